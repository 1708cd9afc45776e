import Engine
import Foundation

/// Loss and accuracy of weight vectors of one net on a set of images, forward passes only: the
/// points of a plane (maps, scores, transects in the explorer) or weight vectors given whole
/// (`mpo fit`, `mpo transect`). The (point, chunk) pairs are spread over the workers and each
/// result lands in its own slot, so numbers depend neither on timing nor on the worker count.
///
/// By default the images go through each point's network as one batch, so BatchNorm uses the
/// statistics of the whole subset; `chunk` passes at most that many at a time (less memory; a
/// BatchNorm net's statistics are then the chunk's, other nets only sum in another order).
/// With `useStatistics(.running)` or `.recompute` BatchNorm normalises with fixed statistics per
/// point instead (`BNStats`), and chunks change nothing but the order of the sums.
public final class Evaluator {
    /// The default subset; `evaluate` also takes another one of at most `capacity` images.
    public let data: Dataset
    public let net: ModelSpec
    public let capacity: Int
    /// Images per forward pass (at most `capacity`).
    public let chunk: Int
    public let compute: Compute
    let workers: Int
    private let networks: [Network]
    private let points: [UnsafeMutablePointer<Float>]  // per worker: w [P]
    /// S: BatchNorm running statistics per point (0 without BatchNorm).
    public let statisticsCount: Int
    /// How BatchNorm normalises; always `.batch` for a net without BatchNorm.
    public private(set) var bnStats = BNStats.batch
    /// recompute: the training images each point's statistics come from, and per worker a
    /// network of `BNStats.recomputeBatch` images to pass them through.
    public private(set) var recomputeImages: Dataset?
    private var recomputeNetworks: [Network] = []

    public init(
        net: ModelSpec, data: Dataset, capacity: Int? = nil, chunk: Int? = nil, workers: Int = CPU.cores, compute: Compute = .default
    ) throws {
        guard data.shape == net.inputShape else {
            throw DataError(data.name, "images are \(data.shape.map(String.init).joined(separator: "x")), the net expects \(net.inputShape.map(String.init).joined(separator: "x"))")
        }
        guard data.count > 0 else { throw DataError(data.name, "no images to evaluate on") }
        self.net = net
        self.compute = compute
        self.data = data
        let size = max(capacity ?? data.count, data.count)
        self.capacity = size
        self.chunk = max(1, min(chunk ?? size, size))
        self.workers = max(1, workers)
        let c = self.chunk
        networks = try (0..<self.workers).map { _ in try Network(spec: net, capacity: c, forwardOnly: true, compute: compute) }
        let p = ParameterLayout(net).count
        points = (0..<self.workers).map { _ in .allocate(capacity: p) }
        statisticsCount = StatisticsLayout(net).count
    }

    /// Chooses how BatchNorm normalises from now on; `.recompute` needs `images` (training
    /// images of the net's shape). Ignored by a net without BatchNorm.
    public func useStatistics(_ mode: BNStats, images: Dataset? = nil) throws {
        guard statisticsCount > 0 else { return }
        if mode == .recompute {
            guard let images, images.count > 0 else { throw DataError("--bn-images", "recomputing BatchNorm statistics needs training images") }
            guard images.shape == net.inputShape else { throw DataError(images.name, "images are \(images.shape), the net expects \(net.inputShape)") }
            let c = min(BNStats.recomputeBatch, images.count)
            if recomputeNetworks.first?.capacity != c {
                recomputeNetworks = try (0..<workers).map { _ in try Network(spec: net, capacity: c, forwardOnly: true, compute: compute) }
            }
            recomputeImages = images
        } else {
            recomputeImages = nil
            recomputeNetworks = []
        }
        bnStats = mode
    }

    deinit { points.forEach { $0.deallocate() } }

    /// One forward pass: a chunk's mean cross-entropy, its correct answers and its images.
    struct Part {
        var loss = 0.0
        var correct = 0
        var images = 0
    }

    /// Evaluates `count` points on `data`, each in chunks of at most `chunk` images: `point(k, w)`
    /// writes point k's weights into w [P], `statistics(k, s)` its running statistics into s [S]
    /// (asked for in `.running` mode only). Returns [count][chunks] parts, point-major.
    private func run(
        _ count: Int, data: Dataset, point: (_ k: Int, _ w: UnsafeMutablePointer<Float>) -> Void,
        statistics: ((_ k: Int, _ s: UnsafeMutablePointer<Float>) -> Void)? = nil
    ) -> (parts: [Part], chunks: Int) {
        precondition(data.count > 0 && data.count <= capacity && data.shape == net.inputShape)
        let n = data.count, size = data.imageSize, chunk = min(self.chunk, n)
        let chunks = (n + chunk - 1) / chunk
        var parts = [Part](repeating: Part(), count: count * chunks)
        let fixed = pointStatistics(count, point: point, statistics: statistics)  // [count * S], empty for batch statistics
        let width = statisticsCount
        data.images.withUnsafeBufferPointer { images in
            data.labels.withUnsafeBufferPointer { labels in
                fixed.withUnsafeBufferPointer { fixed in
                    parts.withUnsafeMutableBufferPointer { parts in
                        Parallel.forEach(count * chunks, workers: workers) { item, worker in
                            let k = item / chunks, start = item % chunks * chunk, m = min(chunk, n - start)
                            let w = points[worker], network = networks[worker]
                            point(k, w)
                            network.forward(
                                images: images.baseAddress! + start * size, count: m, weights: w,
                                statistics: fixed.isEmpty ? nil : fixed.baseAddress! + k * width)
                            let (loss, correct) = network.crossEntropy(labels: labels.baseAddress! + start)
                            parts[item] = Part(loss: loss, correct: correct, images: m)
                        }
                    }
                }
            }
        }
        return (parts, chunks)
    }

    /// Each point's BatchNorm statistics [count * S], point-major: the given ones (`.running`),
    /// or one pass over `recomputeImages` per point (`.recompute`, the points spread over the
    /// workers); empty with batch statistics.
    private func pointStatistics(
        _ count: Int, point: (_ k: Int, _ w: UnsafeMutablePointer<Float>) -> Void,
        statistics: ((_ k: Int, _ s: UnsafeMutablePointer<Float>) -> Void)?
    ) -> [Float] {
        let width = statisticsCount
        guard width > 0, bnStats != .batch else { return [] }
        var s = [Float](repeating: 0, count: count * width)
        s.withUnsafeMutableBufferPointer { s in
            switch bnStats {
            case .batch: break
            case .running:
                guard let statistics else { preconditionFailure("running BatchNorm statistics asked of points that have none") }
                for k in 0..<count { statistics(k, s.baseAddress! + k * width) }
            case .recompute:
                let data = recomputeImages!
                data.images.withUnsafeBufferPointer { images in
                    Parallel.forEach(count, workers: workers) { k, worker in
                        let w = points[worker]
                        point(k, w)
                        recomputeNetworks[worker].recomputeStatistics(
                            images: images.baseAddress!, count: data.count, weights: w, into: s.baseAddress! + k * width)
                    }
                }
            }
        }
        return s
    }

    /// Mean cross-entropy and accuracy at each grid position of a plane of any kind, on `data`
    /// (default: the evaluator's subset). With one chunk the loss is the network's own mean.
    public func evaluate(
        _ surface: some PlaneSurface, at positions: [(row: Double, col: Double)], data: Dataset? = nil
    ) -> [(loss: Float, accuracy: Float)] {
        let data = data ?? self.data
        precondition(surface.parameterCount == ParameterLayout(net).count)
        let (parts, chunks) = run(
            positions.count, data: data, point: { k, w in surface.point(row: positions[k].row, col: positions[k].col, into: w) },
            statistics: surface.statisticsCount == statisticsCount ? { k, s in surface.statistics(row: positions[k].row, col: positions[k].col, into: s) } : nil)
        let n = data.count
        return (0..<positions.count).map { k in
            let mine = parts[(k * chunks)..<((k + 1) * chunks)], s = Self.summed(mine)
            return (Float(chunks == 1 ? mine.first!.loss : s.loss / Double(n)), Float(s.correct) / Float(n))
        }
    }

    /// An MPO plane at grid positions (`axes`: computed once by the caller, else here).
    public func evaluate(
        plane: Plane, axes: Plane.Axes? = nil, at positions: [(row: Double, col: Double)], data: Dataset? = nil
    ) -> [(loss: Float, accuracy: Float)] {
        evaluate(Plane.Surface(plane: plane, axes: axes), at: positions, data: data)
    }

    /// Mean cross-entropy and accuracy of each weight vector [P] on `data` (default: the
    /// evaluator's subset): the chunks' losses weighted by their images, also for one chunk.
    /// `statistics`: each vector's BatchNorm running statistics [S] (needed in `.running` mode).
    public func evaluate(_ weights: [[Float]], statistics: [[Float]]? = nil, data: Dataset? = nil) -> [(loss: Double, accuracy: Double)] {
        let data = data ?? self.data
        let p = ParameterLayout(net).count, width = statisticsCount
        precondition(weights.allSatisfy { $0.count == p } && (statistics.map { $0.count == weights.count && $0.allSatisfy { $0.count == width } } ?? true))
        let (parts, chunks) = run(
            weights.count, data: data, point: { k, w in weights[k].withUnsafeBufferPointer { w.update(from: $0.baseAddress!, count: p) } },
            statistics: statistics.map { statistics in { k, s in statistics[k].withUnsafeBufferPointer { s.update(from: $0.baseAddress!, count: width) } } })
        let n = Double(data.count)
        return (0..<weights.count).map { k in
            let s = Self.summed(parts[(k * chunks)..<((k + 1) * chunks)])
            return (s.loss / n, Double(s.correct) / n)
        }
    }

    /// Σ loss·images and Σ correct over a point's chunks, in chunk order.
    static func summed(_ parts: ArraySlice<Part>) -> (loss: Double, correct: Int) {
        (parts.reduce(0) { $0 + $1.loss * Double($1.images) }, parts.reduce(0) { $0 + $1.correct })
    }
}
