import CKernels
import Engine
import Foundation

/// v -> H·v for the mean cross-entropy L(w) = (1/N) Σ_i CE(f(x_i; w), y_i) of one net at fixed
/// weights w over a fixed set of N images. Two ways:
///   - `exact`: forward over backward through every layer (`HessianNetwork`), what PyTorch's
///     double backward computes — ReLU and max-pool differentiated with their kinks held;
///   - `differences`: central differences of the engine's gradient,
///     H·v ≈ (∇L(w + εu) − ∇L(w − εu)) / 2ε · |v| with u = v/|v| and ε = `step`. Kept for
///     comparison: a ReLU net's gradient jumps where a unit or a pool winner switches between
///     w ± εu, so no ε makes it agree with the exact product to 1% (README, "Curvature").
/// The images go in two fixed halves (one worker each, whatever the worker count) of passes of at
/// most `chunk` images, each half adding into its own slot; the slots are summed in order, so a
/// product is the same on every run. A BatchNorm net sees all N images in one pass (its
/// statistics are the set's, as a map's are) on one worker.
public final class HessianVectorProduct {
    public enum Method: String, CaseIterable, Sendable {
        case exact, differences
    }

    public let net: ModelSpec
    public let method: Method
    /// w [P].
    public let weights: [Float]
    public let data: Dataset
    /// Central differences: the step along the unit direction.
    public let step: Float
    /// Products computed so far.
    public private(set) var products = 0
    /// Mean loss and accuracy at w over the set (from the first product; nil before it).
    public private(set) var loss: Double?, accuracy: Double?
    let workers: Int
    /// Image ranges of the halves, and images per pass.
    let parts: [Range<Int>]
    let chunk: Int
    private var exact: [HessianNetwork] = []
    private var engine: [Network] = []
    private var slots: [[Float]]

    /// Images per pass for nets without BatchNorm: activations and their tangents of 256 images
    /// of the paper net take ~90 MB, and bigger passes gain nothing measurable.
    public static let passImages = 256

    public init(net: ModelSpec, weights: [Float], data: Dataset, method: Method = .exact, step: Float = 3e-3, workers: Int = CPU.cores) throws {
        guard data.shape == net.inputShape else {
            throw DataError(data.name, "images are \(data.shape.map(String.init).joined(separator: "x")), the net expects \(net.inputShape.map(String.init).joined(separator: "x"))")
        }
        guard data.count > 0 else { throw DataError(data.name, "no images to take the Hessian on") }
        precondition(weights.count == ParameterLayout(net).count)
        (self.net, self.weights, self.data, self.method, self.step) = (net, weights, data, method, step)
        let n = data.count
        let halves = net.batchNorm || n < 2 ? 1 : 2
        let parts = (0..<halves).map { k in (k * n / halves)..<((k + 1) * n / halves) }
        let chunk = net.batchNorm ? n : min(Self.passImages, parts.map(\.count).max()!)
        (self.parts, self.chunk) = (parts, chunk)
        self.workers = min(halves, max(1, workers))
        slots = parts.map { _ in [Float](repeating: 0, count: weights.count) }
        switch method {
        case .exact: exact = try parts.map { _ in try HessianNetwork(spec: net, capacity: chunk) }
        case .differences: engine = try parts.map { _ in try Network(spec: net, capacity: chunk, compute: Compute(precision: .fp32)) }
        }
    }

    /// Memory a product holds, for the commands' checks.
    public static func bytes(net: ModelSpec, images: Int) -> Double {
        let halves = net.batchNorm ? 1 : 2, chunk = net.batchNorm ? images : min(passImages, (images + 1) / 2)
        return Double(halves) * (HessianNetwork.bytes(net, capacity: max(1, chunk)) + 4 * Double(ParameterLayout(net).count))
    }

    public var dimension: Int { weights.count }

    /// H·v [P] for v [P].
    public func apply(_ v: [Float]) -> [Float] {
        precondition(v.count == weights.count)
        products += 1
        let scale = Float(1 / Double(data.count))
        var results = [(loss: Double, correct: Int)](repeating: (0, 0), count: parts.count)
        switch method {
        case .exact:
            run(&results) { k, images, labels, slot in
                var loss = 0.0, correct = 0
                weights.withUnsafeBufferPointer { w in
                    v.withUnsafeBufferPointer { v in
                        var start = parts[k].lowerBound
                        while start < parts[k].upperBound {
                            let m = min(chunk, parts[k].upperBound - start)
                            let r = exact[k].accumulate(
                                images: images + start * data.imageSize, labels: labels + start, count: m, weights: w.baseAddress!,
                                direction: v.baseAddress!, scale: scale, hessianVector: slot)
                            (loss, correct) = (loss + r.lossSum, correct + r.correct)
                            start += m
                        }
                    }
                }
                return (loss, correct)
            }
        case .differences:
            let length = Lanczos.norm(v)
            guard length > 0 else { return [Float](repeating: 0, count: v.count) }
            let e = Double(step) / length  // w ± e·v moves `step` along the unit direction
            let plus = zip(weights, v).map { $0 + Float(e) * $1 }, minus = zip(weights, v).map { $0 - Float(e) * $1 }
            run(&results) { k, images, labels, slot in
                var loss = 0.0, correct = 0
                for (point, sign) in [(plus, Float(1 / (2 * e))), (minus, Float(-1 / (2 * e)))] {
                    point.withUnsafeBufferPointer { w in
                        var start = parts[k].lowerBound
                        while start < parts[k].upperBound {
                            let m = min(chunk, parts[k].upperBound - start), network = engine[k]
                            network.forward(images: images + start * data.imageSize, count: m, weights: w.baseAddress!)
                            // d(sign · (m/N) · chunk mean)/dw: the chunk's share of ±∇L/2e
                            let r = network.crossEntropy(labels: labels + start, gradientWeight: sign * Float(m) * scale)
                            network.backward(weights: w.baseAddress!, gradient: slot)
                            // L(w) ≈ (L(w + εu) + L(w − εu)) / 2; the accuracy is w + εu's
                            loss += r.loss * Double(m) / 2
                            if sign > 0 { correct += r.correct }
                            start += m
                        }
                    }
                }
                return (loss, correct)
            }
        }
        if loss == nil {
            loss = results.reduce(0) { $0 + $1.loss } / Double(data.count)
            accuracy = Double(results.reduce(0) { $0 + $1.correct }) / Double(data.count)
        }
        var hv = slots[0]
        for k in 1..<slots.count {
            slots[k].withUnsafeBufferPointer { s in hv.withUnsafeMutableBufferPointer { lp_axpy(s.count, 1, s.baseAddress!, $0.baseAddress!) } }
        }
        return hv
    }

    /// Runs `body` for each half on the workers, each into its zeroed slot [P].
    private func run(
        _ results: inout [(loss: Double, correct: Int)],
        _ body: (_ k: Int, _ images: UnsafePointer<Float>, _ labels: UnsafePointer<Int32>, _ slot: UnsafeMutablePointer<Float>) -> (Double, Int)
    ) {
        data.images.withUnsafeBufferPointer { images in
            data.labels.withUnsafeBufferPointer { labels in
                results.withUnsafeMutableBufferPointer { results in
                    slots.withUnsafeMutableBufferPointer { slots in
                        Parallel.forEach(parts.count, workers: workers) { k, _ in
                            slots[k].withUnsafeMutableBufferPointer { slot in
                                slot.update(repeating: 0)
                                results[k] = body(k, images.baseAddress!, labels.baseAddress!, slot.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
    }
}
