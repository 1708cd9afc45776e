import Foundation

extension Session {
    /// The two plane positions (grid units) a transect runs between, and, for a path in the plane
    /// (a curve plane's curve), the positions it runs through instead of the straight segment.
    public struct TransectEnds: Sendable, Equatable {
        public var start: (row: Double, col: Double)
        public var end: (row: Double, col: Double)
        /// Positions from `start` to `end`, evenly spaced in the path's own parameter t (each is
        /// one point of the profile); nil: the straight segment in weight space.
        public var path: [(row: Double, col: Double)]?

        public init(start: (row: Double, col: Double), end: (row: Double, col: Double)) {
            self.start = start
            self.end = end
        }

        /// Along `path` (two positions or more).
        public init(path: [(row: Double, col: Double)]) {
            precondition(path.count >= 2)
            self.init(start: path[0], end: path[path.count - 1])
            self.path = path
        }

        public static func == (x: Self, y: Self) -> Bool {
            guard x.start == y.start && x.end == y.end else { return false }
            switch (x.path, y.path) {
            case (nil, nil): return true
            case let (p?, q?): return p.count == q.count && zip(p, q).allSatisfy { $0 == $1 }
            default: return false
            }
        }
    }

    /// The loss and accuracy along the straight segment in weight space between the weights at two
    /// plane positions (on a direction plane it lies in the plane; on an MPO plane it leaves it
    /// between the ends), on the map's split and images.
    public struct TransectProfile: Sendable {
        public var ends: TransectEnds
        public var split: Split
        /// Step of the plane it was computed on.
        public var step: Int
        /// Images of the split behind each point.
        public var images: Int
        public var transect: Transect
    }

    /// Points along an explorer transect, both ends included.
    public static let transectPoints = 41
}

/// The compute side of a transect: evaluated between map chunks, never on the UI thread.
extension SessionEngine {
    /// Seconds between profiles of a training plane.
    static let transectRefresh = 3.0

    /// Images the profile is evaluated on: the current map's.
    var transectImages: Int { live.mapImages > 0 ? live.mapImages : mapTarget().images }

    /// Whether the profile shown is not that of the ends, split, images and plane now.
    var transectDue: Bool {
        guard let ends = transect.ends else { return false }
        guard let p = transect.profile, let plane = transect.plane else { return true }
        if p.ends != ends || p.split != split || p.images != transectImages || plane != transectPlane { return true }
        guard p.step != active.trainer.step else { return false }
        return !isTraining || Date().timeIntervalSince(transect.computedAt) >= Self.transectRefresh
    }

    /// Which plane is shown: the fixed plane's file, or the active MPO plane's trainer.
    var transectPlane: String {
        fixed.map { "fixed \($0.path)" } ?? "mpo \(ObjectIdentifier(active.trainer).hashValue)"
    }

    func runTransect() {
        guard let ends = transect.ends else { return }
        let plane = surface, images = transectImages
        let profile: Transect
        if let path = ends.path {
            // A path in the plane (a curve plane's curve lies in it exactly): the plane's points.
            let values = active.evaluator.evaluate(plane, at: path, data: evalData(split, images: images))
            profile = Transect(count: path.count, loss: values.map { Double($0.loss) }, accuracy: values.map { Double($0.accuracy) })
        } else {
            let a = plane.weights(row: ends.start.row, col: ends.start.col)
            let b = plane.weights(row: ends.end.row, col: ends.end.col)
            // The segment lies in a direction plane: its running statistics move as the plane's.
            let statistics = plane.runningStatistics(row: ends.start.row, col: ends.start.col).map {
                ($0, plane.runningStatistics(row: ends.end.row, col: ends.end.col)!)
            }
            profile = Transect(
                from: a, to: b, count: Session.transectPoints, statistics: statistics, evaluator: active.evaluator, data: evalData(split, images: images))
        }
        transect.profile = Session.TransectProfile(ends: ends, split: split, step: active.trainer.step, images: images, transect: profile)
        transect.plane = transectPlane
        transect.computedAt = Date()
    }
}

/// The engine's transect: what the UI asked for and the last profile made.
struct TransectState {
    var ends: Session.TransectEnds?
    var profile: Session.TransectProfile?
    /// `transectPlane` of the profile.
    var plane: String?
    var computedAt = Date.distantPast
}
