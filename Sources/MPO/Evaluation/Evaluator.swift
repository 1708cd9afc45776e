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
    }

    deinit { points.forEach { $0.deallocate() } }

    /// One forward pass: a chunk's mean cross-entropy, its correct answers and its images.
    struct Part {
        var loss = 0.0
        var correct = 0
        var images = 0
    }

    /// Evaluates `count` points on `data`, each in chunks of at most `chunk` images: `point(k, w)`
    /// writes point k's weights into w [P]. Returns [count][chunks] parts, point-major.
    private func run(
        _ count: Int, data: Dataset, point: (_ k: Int, _ w: UnsafeMutablePointer<Float>) -> Void
    ) -> (parts: [Part], chunks: Int) {
        precondition(data.count > 0 && data.count <= capacity && data.shape == net.inputShape)
        let n = data.count, size = data.imageSize, chunk = min(self.chunk, n)
        let chunks = (n + chunk - 1) / chunk
        var parts = [Part](repeating: Part(), count: count * chunks)
        data.images.withUnsafeBufferPointer { images in
            data.labels.withUnsafeBufferPointer { labels in
                parts.withUnsafeMutableBufferPointer { parts in
                    Parallel.forEach(count * chunks, workers: workers) { item, worker in
                        let k = item / chunks, start = item % chunks * chunk, m = min(chunk, n - start)
                        let w = points[worker], network = networks[worker]
                        point(k, w)
                        network.forward(images: images.baseAddress! + start * size, count: m, weights: w)
                        let (loss, correct) = network.crossEntropy(labels: labels.baseAddress! + start)
                        parts[item] = Part(loss: loss, correct: correct, images: m)
                    }
                }
            }
        }
        return (parts, chunks)
    }

    /// Mean cross-entropy and accuracy at each grid position of a plane of any kind, on `data`
    /// (default: the evaluator's subset). With one chunk the loss is the network's own mean.
    public func evaluate(
        _ surface: some PlaneSurface, at positions: [(row: Double, col: Double)], data: Dataset? = nil
    ) -> [(loss: Float, accuracy: Float)] {
        let data = data ?? self.data
        precondition(surface.parameterCount == ParameterLayout(net).count)
        let (parts, chunks) = run(positions.count, data: data) { k, w in
            surface.point(row: positions[k].row, col: positions[k].col, into: w)
        }
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
    public func evaluate(_ weights: [[Float]], data: Dataset? = nil) -> [(loss: Double, accuracy: Double)] {
        let data = data ?? self.data
        let p = ParameterLayout(net).count
        precondition(weights.allSatisfy { $0.count == p })
        let (parts, chunks) = run(weights.count, data: data) { k, w in
            weights[k].withUnsafeBufferPointer { w.update(from: $0.baseAddress!, count: p) }
        }
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
