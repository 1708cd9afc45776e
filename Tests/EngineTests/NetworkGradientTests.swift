import XCTest
@testable import Engine

/// The whole loss w.r.t. the flat parameters: Network.lossAndGradient against finite differences
/// of Network.loss, for several architectures.
final class NetworkGradientTests: XCTestCase {
    /// A hash of every kink the forward pass went through at `weights`: ReLU on/off masks and
    /// max-pool winners, layer by layer (run through the network's own layers on our buffers).
    static func kinkSignature(_ network: Network, images: [Float], n: Int, weights: [Float]) -> Int {
        let spec = network.spec
        var x = images
        if spec.inputChannels > 1 {  // NCHW as stored -> the conv stack's CNHW
            let c = spec.inputChannels, s = spec.inputShape[1] * spec.inputShape[2]
            for ci in 0..<c { for b in 0..<n { for k in 0..<s { x[(ci * n + b) * s + k] = images[(b * c + ci) * s + k] } } }
        }
        var hasher = Hasher()
        for layer in network.layers {
            let y = LayerHarness(layer: layer, n: n, inputCount: x.count, parameterCount: weights.count).forward(x: x, weights: weights)
            switch layer {
            case let pool as MaxPool2:
                hasher.combine(Reference.maxPoolWinners(x, planes: pool.channels * n, h: pool.height, w: pool.width))
            case let conv as Conv2D where conv.relu: hasher.combine(reluPattern(y))
            case let bn as BatchNorm where bn.relu: hasher.combine(reluPattern(y))
            case let linear as Linear where linear.relu: hasher.combine(reluPattern(y))
            default: break
            }
            x = y
        }
        return hasher.finalize()
    }

    func check(_ spec: ModelSpec, batch: Int = 3, seed: UInt64 = 1, epsilon: Double = 1e-2, tolerance: Double = 1e-2,
               _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let network = try Network(spec: spec, capacity: batch)
        var rng = Xoshiro256(seed: seed)
        let weights = network.layout.initialWeights(using: &rng)
        let images = rng.floats(batch * spec.inputSize, 0, 1)
        let labels = (0..<batch).map { _ in Int32(rng.below(spec.classes)) }
        var gradient = [Float](repeating: 0, count: weights.count)
        let (loss, _) = network.lossAndGradient(images: images, labels: labels, weights: weights, gradient: &gradient)
        XCTAssertEqual(loss, network.loss(images: images, labels: labels, weights: weights).loss, file: file, line: line)
        gradientCheck(
            at: weights, gradient: gradient, blocks: network.layout.entries.map(\.range) + [weights.indices],
            epsilon: epsilon, tolerance: tolerance, randomDirections: 2,
            signature: { Self.kinkSignature(network, images: images, n: batch, weights: $0) }, what, file: file, line: line
        ) { network.loss(images: images, labels: labels, weights: $0).loss }
    }

    func testSmall() throws { try check(.small, "small") }

    func testTiny() throws { try check(.tiny, batch: 4, "tiny") }

    /// Batch statistics: every image's loss depends on the others' activations.
    func testBatchNorm() throws { try check(.small.with(batchNorm: true), "small+bn") }

    func testBatchNormWithoutMaxPool() throws {
        try check(ModelSpec(inputShape: [1, 10, 10], convChannels: [1, 3, 4], dense: [64, 8], batchNorm: true, maxPool: false), "bn no-max-pool")
    }

    func testWithoutMaxPool() throws {
        try check(ModelSpec(inputShape: [1, 12, 12], convChannels: [1, 4, 6], dense: [96, 16], maxPool: false), "no-max-pool")
    }

    /// Three input channels are restaged NCHW -> CNHW before the first conv.
    func testThreeChannels() throws {
        try check(ModelSpec(inputShape: [3, 32, 32], convChannels: [3, 4, 8], dense: [128, 16]), "3x32x32")
    }
}
