import Engine
import Foundation

/// Loss and accuracy at many points of a plane on a fixed evaluation subset (forward passes only).
/// The subset goes through each point's network as one batch, so BatchNorm uses the statistics of
/// the whole subset — chunking never changes the numbers.
public final class Evaluator {
    /// The default subset; `evaluate` also takes another one of at most `capacity` images.
    public let data: Dataset
    public let net: ModelSpec
    public let capacity: Int
    public let compute: Compute
    let workers: Int
    private let networks: [Network]
    private let points: [UnsafeMutablePointer<Float>]  // per worker: w [P]

    public init(net: ModelSpec, data: Dataset, capacity: Int? = nil, workers: Int = CPU.cores, compute: Compute = .default) throws {
        guard data.shape == net.inputShape else {
            throw DataError(data.name, "images are \(data.shape.map(String.init).joined(separator: "x")), the net expects \(net.inputShape.map(String.init).joined(separator: "x"))")
        }
        self.net = net
        self.compute = compute
        self.data = data
        let size = max(capacity ?? data.count, data.count)
        self.capacity = size
        self.workers = max(1, workers)
        networks = try (0..<max(1, workers)).map { _ in try Network(spec: net, capacity: size, forwardOnly: true, compute: compute) }
        let p = ParameterLayout(net).count
        points = (0..<self.workers).map { _ in .allocate(capacity: p) }
    }

    deinit { points.forEach { $0.deallocate() } }

    /// Mean cross-entropy and accuracy at each grid position of a plane of any kind, on `data`
    /// (default: the evaluator's subset).
    public func evaluate(
        _ surface: some PlaneSurface, at positions: [(row: Double, col: Double)], data: Dataset? = nil
    ) -> [(loss: Float, accuracy: Float)] {
        let data = data ?? self.data
        precondition(data.count <= capacity && data.shape == net.inputShape)
        precondition(surface.parameterCount == ParameterLayout(net).count)
        var out = [(loss: Float, accuracy: Float)](repeating: (.nan, .nan), count: positions.count)
        let n = data.count
        data.images.withUnsafeBufferPointer { images in
            data.labels.withUnsafeBufferPointer { labels in
                out.withUnsafeMutableBufferPointer { out in
                    Parallel.forEach(positions.count, workers: workers) { k, worker in
                        let w = points[worker], network = networks[worker]
                        surface.point(row: positions[k].row, col: positions[k].col, into: w)
                        network.forward(images: images.baseAddress!, count: n, weights: w)
                        let (loss, correct) = network.crossEntropy(labels: labels.baseAddress!)
                        out[k] = (Float(loss), Float(correct) / Float(n))
                    }
                }
            }
        }
        return out
    }

    /// An MPO plane at grid positions (`axes`: computed once by the caller, else here).
    public func evaluate(
        plane: Plane, axes: Plane.Axes? = nil, at positions: [(row: Double, col: Double)], data: Dataset? = nil
    ) -> [(loss: Float, accuracy: Float)] {
        evaluate(Plane.Surface(plane: plane, axes: axes), at: positions, data: data)
    }

    /// The whole viewport at once.
    public func heatmap(_ surface: some PlaneSurface, viewport: Viewport, split: Split, step: Int) -> Heatmap {
        var map = Heatmap(viewport: viewport, split: split, step: step)
        let positions = (0..<viewport.count).map { viewport.position(row: $0 / viewport.cols, col: $0 % viewport.cols) }
        let values = evaluate(surface, at: positions)
        for (k, v) in values.enumerated() {
            map.loss[k] = v.loss
            map.accuracy[k] = v.accuracy
        }
        return map
    }

    public func heatmap(plane: Plane, viewport: Viewport, split: Split, step: Int) -> Heatmap {
        heatmap(plane.surface, viewport: viewport, split: split, step: step)
    }

    /// The paper's measures on the pattern's own cells (see `PatternScore`).
    public func score(plane: Plane, pattern: Pattern) -> PatternScore {
        let map = heatmap(plane.surface, viewport: Viewport(pattern: pattern), split: .test, step: 0)
        return PatternScore(pattern: pattern, loss: map.loss, accuracy: map.accuracy)
    }
}

/// Loss and accuracy over a viewport; NaN where a sample has not been evaluated yet.
public struct Heatmap: Sendable {
    public var viewport: Viewport
    public var split: Split
    /// Training step of the plane that was evaluated.
    public var step: Int
    public var loss: [Float]  // [rows * cols]
    public var accuracy: [Float]  // [rows * cols]

    public init(viewport: Viewport, split: Split, step: Int) {
        self.viewport = viewport
        self.split = split
        self.step = step
        loss = .init(repeating: .nan, count: viewport.count)
        accuracy = .init(repeating: .nan, count: viewport.count)
    }

    public enum Metric: String, CaseIterable, Sendable, Codable {
        case loss, accuracy
    }

    public func values(_ metric: Metric) -> [Float] { metric == .loss ? loss : accuracy }

    public var evaluatedCount: Int { loss.reduce(0) { $1.isNaN ? $0 : $0 + 1 } }
}

/// How well a plane draws its pattern, on the pattern's cells at one sample each.
public struct PatternScore: Sendable, Hashable {
    /// Mean accuracy on trained black cells minus on trained white cells — the paper's measure
    /// (over edge cells, as the reference code's ternary mask selects them).
    public var gap: Double
    public var goodAccuracy: Double, badAccuracy: Double
    public var goodLoss: Double, badLoss: Double
    /// Mean accuracy on all black cells minus on all white cells, interiors included: how well
    /// the whole picture shows, not only its trained edges.
    public var wholeGap: Double
    /// Fraction of all pattern cells on the right side of the midpoint between the black and
    /// white cells' mean losses (low loss where black).
    public var match: Double

    public init(pattern: Pattern, loss: [Float], accuracy: [Float]) {
        let roles = pattern.roles
        func mean(_ values: [Float], _ role: Pattern.Role) -> Double {
            let v = zip(values, roles).filter { $0.1 == role }.map { Double($0.0) }
            return v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count)
        }
        goodAccuracy = mean(accuracy, .good)
        badAccuracy = mean(accuracy, .bad)
        goodLoss = mean(loss, .good)
        badLoss = mean(loss, .bad)
        gap = goodAccuracy - badAccuracy
        func mean(_ values: [Float], black: Bool) -> Double {
            let v = zip(values, pattern.bits).filter { ($0.1 != 0) == black }.map { Double($0.0) }
            return v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count)
        }
        wholeGap = mean(accuracy, black: true) - mean(accuracy, black: false)
        let black = zip(loss, pattern.bits).filter { $0.1 != 0 }.map { Double($0.0) }
        let white = zip(loss, pattern.bits).filter { $0.1 == 0 }.map { Double($0.0) }
        let threshold = ((black.isEmpty ? 0 : black.reduce(0, +) / Double(black.count))
            + (white.isEmpty ? 0 : white.reduce(0, +) / Double(white.count))) / 2
        let right = zip(loss, pattern.bits).filter { (Double($0.0) < threshold) == ($0.1 != 0) }.count
        match = Double(right) / Double(max(1, loss.count))
    }
}
