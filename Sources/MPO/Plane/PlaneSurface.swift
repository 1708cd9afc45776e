/// A plane that can be evaluated at a point: given a grid position (row, col) — the units a
/// `Viewport` works in — it writes the weights there. A trained MPO plane (`Plane.Surface`) and a
/// plane of fixed directions (`DirectionPlane`) both are one, so the evaluator, the session,
/// `mpo render`, exports and transects treat every kind of plane alike.
public protocol PlaneSurface: Sendable {
    /// P: parameters of one network.
    var parameterCount: Int { get }
    /// Writes the weights at grid position (row, col) into w [P].
    func point(row: Double, col: Double, into w: UnsafeMutablePointer<Float>)
    /// S: the BatchNorm running statistics it carries per point (`StatisticsLayout`); 0 when it
    /// carries none (an MPO plane's points have none; default).
    var statisticsCount: Int { get }
    /// Writes the running statistics at grid position (row, col) into s [S] (when S > 0).
    func statistics(row: Double, col: Double, into s: UnsafeMutablePointer<Float>)
}

extension PlaneSurface {
    public var statisticsCount: Int { 0 }
    public func statistics(row: Double, col: Double, into s: UnsafeMutablePointer<Float>) {}

    /// The running statistics at grid position (row, col) [S], nil when it carries none.
    public func runningStatistics(row: Double, col: Double) -> [Float]? {
        guard statisticsCount > 0 else { return nil }
        var s = [Float](repeating: 0, count: statisticsCount)
        s.withUnsafeMutableBufferPointer { statistics(row: row, col: col, into: $0.baseAddress!) }
        return s
    }
}

extension PlaneSurface {
    /// The weights at grid position (row, col) as an array [P].
    public func weights(row: Double, col: Double) -> [Float] {
        var w = [Float](repeating: 0, count: parameterCount)
        w.withUnsafeMutableBufferPointer { point(row: row, col: col, into: $0.baseAddress!) }
        return w
    }
}

extension Plane {
    /// An MPO plane with its axes computed once (they are O(P) to make), ready to evaluate.
    public struct Surface: PlaneSurface {
        public let plane: Plane
        public let axes: Axes

        public init(plane: Plane, axes: Axes? = nil) {
            self.plane = plane
            self.axes = axes ?? plane.axes()
        }

        public var parameterCount: Int { plane.count }

        public func point(row: Double, col: Double, into w: UnsafeMutablePointer<Float>) {
            plane.point(row: row, col: col, axes: axes, into: w)
        }
    }

    public var surface: Surface { Surface(plane: self) }
}
