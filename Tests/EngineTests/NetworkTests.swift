import XCTest
@testable import Engine

/// Network's wiring: logits against the reference layers composed by hand, gradient
/// accumulation, the forward-only variant.
final class NetworkTests: XCTestCase {
    /// conv_model's forward from ReferenceLayers, taking each tensor from the flat vector by name.
    static func referenceLogits(_ spec: ModelSpec, images: [Float], n: Int, weights: [Float]) -> [Double] {
        let layout = ParameterLayout(spec)
        var entries = layout.entries.makeIterator()
        func next() -> [Float] { Array(weights[entries.next()!.range]) }
        let (c0, h0, w0) = (spec.inputShape[0], spec.inputShape[1], spec.inputShape[2])
        var x = [Float](repeating: 0, count: images.count)  // NCHW -> CNHW
        for b in 0..<n { for c in 0..<c0 { for k in 0..<(h0 * w0) { x[(c * n + b) * h0 * w0 + k] = images[(b * c0 + c) * h0 * w0 + k] } } }
        var (h, w) = (h0, w0)
        for (cin, cout) in zip(spec.convChannels, spec.convChannels.dropFirst()) {
            let weight = next(), bias = next()
            x = Reference.conv(x, c: cin, n: n, h: h, w: w, f: cout, weight: weight, bias: bias, relu: !spec.batchNorm).map(Float.init)
            if spec.batchNorm {
                let scale = next(), shift = next()
                x = Reference.batchNorm(x, c: cout, run: n * h * w, storedScale: scale, shift: shift, relu: true).map(Float.init)
            }
            if spec.maxPool {
                x = Reference.maxPool(x, planes: cout * n, h: h, w: w).map(Float.init)
                h /= 2
                w /= 2
            }
        }
        let c = spec.convChannels.last!, k = spec.adaptivePool
        let pooled = Reference.adaptiveAvgPool(x, planes: c * n, h: h, w: w, k: k)
        var features = [Float](repeating: 0, count: pooled.count)  // [C, N, k*k] -> [N, C*k*k]
        for ci in 0..<c { for b in 0..<n { for s in 0..<(k * k) { features[(b * c + ci) * k * k + s] = Float(pooled[(ci * n + b) * k * k + s]) } } }
        let sizes = spec.dense + [spec.classes]
        var out: [Double] = []
        for (i, (fin, fout)) in zip(sizes, sizes.dropFirst()).enumerated() {
            let weight = next(), bias = next()
            out = Reference.linear(features, n: n, inputs: fin, outputs: fout, weight: weight, bias: bias, relu: i < sizes.count - 2)
            features = out.map(Float.init)
        }
        return out
    }

    static let specs: [ModelSpec] = [
        .small, .tiny, .small.with(batchNorm: true),
        ModelSpec(inputShape: [1, 12, 12], convChannels: [1, 4, 6], dense: [96, 16], maxPool: false),
        ModelSpec(inputShape: [3, 32, 32], convChannels: [3, 4, 8], dense: [128, 16]),
        ModelSpec(inputShape: [2, 9, 7], convChannels: [2, 3], dense: [27, 5], adaptivePool: 3, classes: 4),
    ]

    func testLogitsMatchTheReference() throws {
        for spec in Self.specs {
            let n = 3
            let network = try Network(spec: spec, capacity: 4)
            var rng = Xoshiro256(seed: 50)
            var weights = network.layout.initialWeights(using: &rng)
            for e in network.plan.steps.filter({ $0.kind == "batchNorm" }).flatMap(\.parameters) {
                for i in e.range { weights[i] = rng.uniform(-0.5, 0.5) }
            }
            let images = rng.floats(n * spec.inputSize, 0, 1)
            let logits = images.withUnsafeBufferPointer { x in
                weights.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: network.forward(images: x.baseAddress!, count: n, weights: $0.baseAddress!), count: n * spec.classes)) }
            }
            XCTAssertLessThan(relativeError(logits, Self.referenceLogits(spec, images: images, n: n, weights: weights)), 1e-4, spec.summary)
        }
    }

    func testLossIsTheMeanCrossEntropyOfTheLogits() throws {
        let spec = ModelSpec.small
        let network = try Network(spec: spec, capacity: 5)
        var rng = Xoshiro256(seed: 51)
        let weights = network.layout.initialWeights(using: &rng)
        let images = rng.floats(5 * spec.inputSize, 0, 1)
        let labels: [Int32] = [0, 9, 3, 3, 7]
        let (loss, correct) = network.loss(images: images, labels: labels, weights: weights)
        let logits = Array(UnsafeBufferPointer(start: network.logits, count: 5 * 10))
        let perImage = Reference.crossEntropy(logits, labels: labels, classes: 10)
        XCTAssertEqual(loss, perImage.reduce(0, +) / 5, accuracy: 1e-9)
        let argmax = (0..<5).map { (i: Int) -> Int in
            let row = Array(logits[(i * 10)..<(i * 10 + 10)])
            return row.firstIndex(of: row.max()!)!  // first maximum, as torch.argmax
        }
        XCTAssertEqual(correct, zip(argmax, labels).filter { $0 == Int($1) }.count)
        // Without BN, images do not interact: the batch loss is the mean of single-image losses.
        let single = (0..<5).map { i in
            network.loss(images: Array(images[(i * spec.inputSize)..<((i + 1) * spec.inputSize)]), labels: [labels[i]], weights: weights).loss
        }
        XCTAssertEqual(loss, single.reduce(0, +) / 5, accuracy: 1e-5)
    }

    /// lossAndGradient adds into the gradient it is given (MPO sums over cells).
    func testGradientAccumulates() throws {
        for spec in [ModelSpec.small, .small.with(batchNorm: true)] {
            let network = try Network(spec: spec, capacity: 3)
            var rng = Xoshiro256(seed: 52)
            let weights = network.layout.initialWeights(using: &rng)
            let images = rng.floats(3 * spec.inputSize, 0, 1)
            let labels: [Int32] = [1, 2, 3]
            var once = [Float](repeating: 0, count: weights.count)
            _ = network.lossAndGradient(images: images, labels: labels, weights: weights, gradient: &once)
            let offset = rng.floats(weights.count)
            var twice = offset
            _ = network.lossAndGradient(images: images, labels: labels, weights: weights, gradient: &twice)
            _ = network.lossAndGradient(images: images, labels: labels, weights: weights, gradient: &twice)
            for i in weights.indices { XCTAssertEqual(twice[i] - offset[i], 2 * once[i], accuracy: 1e-6 + 1e-5 * abs(once[i])) }
            XCTAssertGreaterThan(once.map(abs).max()!, 0)
        }
    }

    /// A smaller batch than the capacity, after a larger one, sees nothing of the larger one.
    func testPartialBatches() throws {
        let spec = ModelSpec.small.with(batchNorm: true)
        let big = try Network(spec: spec, capacity: 6), exact = try Network(spec: spec, capacity: 2)
        var rng = Xoshiro256(seed: 53)
        let weights = big.layout.initialWeights(using: &rng)
        let images = rng.floats(6 * spec.inputSize, 0, 1)
        let labels: [Int32] = [1, 2, 3, 4, 5, 6]
        var g = [Float](repeating: 0, count: weights.count)
        _ = big.lossAndGradient(images: images, labels: labels, weights: weights, gradient: &g)
        let two = Array(images[0..<(2 * spec.inputSize)])
        var gBig = [Float](repeating: 0, count: weights.count), gExact = gBig
        let a = big.lossAndGradient(images: two, labels: [1, 2], weights: weights, gradient: &gBig)
        let b = exact.lossAndGradient(images: two, labels: [1, 2], weights: weights, gradient: &gExact)
        XCTAssertEqual(a.loss, b.loss, accuracy: 1e-6)
        XCTAssertLessThan(relativeError(gBig, gExact.map(Double.init)), 1e-5)
    }

    func testForwardOnlyNetworkGivesTheSameLogits() throws {
        for spec in Self.specs {
            let full = try Network(spec: spec, capacity: 4), lean = try Network(spec: spec, capacity: 4, forwardOnly: true)
            var rng = Xoshiro256(seed: 54)
            let weights = full.layout.initialWeights(using: &rng)
            let images = rng.floats(4 * spec.inputSize, 0, 1)
            let labels = (0..<4).map { _ in Int32(rng.below(spec.classes)) }
            let a = full.loss(images: images, labels: labels, weights: weights)
            let b = lean.loss(images: images, labels: labels, weights: weights)
            XCTAssertEqual(a.loss, b.loss, spec.summary)
            XCTAssertEqual(a.correct, b.correct)
            XCTAssertEqual(Array(UnsafeBufferPointer(start: full.logits, count: 4 * spec.classes)),
                           Array(UnsafeBufferPointer(start: lean.logits, count: 4 * spec.classes)))
        }
    }
}
