import XCTest
@testable import Engine

/// The whole loss w.r.t. the flat parameters: Network.lossAndGradient against finite differences
/// of Network.loss (GradientCheck), for several architectures.
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
            case let conv as Conv2D: hasher.combine(convKinks(conv, n: n, x: x, weights: weights, y: y))
            case let bn as BatchNorm where bn.relu: hasher.combine(reluPattern(y))
            case let linear as Linear where linear.relu: hasher.combine(reluPattern(y))
            default: break
            }
            x = y
        }
        return hasher.finalize()
    }

    /// Images that are black but for a random patch, like FashionMNIST's objects on a black
    /// ground. The ground gives every conv unit there the same preactivation, so a pass has far
    /// fewer distinct ReLU inputs near 0 than on noise images, and directions without kinks are
    /// long enough to measure above the float32 noise.
    static func sparseImages(_ spec: ModelSpec, count: Int, patch: Int = 4, using rng: inout Xoshiro256) -> [Float] {
        let (c, h, w) = (spec.inputShape[0], spec.inputShape[1], spec.inputShape[2])
        var images = [Float](repeating: 0, count: count * c * h * w)
        for b in 0..<count {
            let top = rng.below(h - patch + 1), left = rng.below(w - patch + 1)
            for ch in 0..<c { for i in top..<(top + patch) { for j in left..<(left + patch) {
                images[((b * c + ch) * h + i) * w + j] = rng.uniform(0.05, 1)
            } } }
        }
        return images
    }

    /// Checks the loss gradient at initial weights and a random batch, each parameter tensor
    /// (and the whole vector) a block of directions. If some block cannot be measured there (a
    /// ReLU input within ~1e-4 of 0 that every direction crosses), the next seed's point is tried.
    func check(_ spec: ModelSpec, batch: Int = 2, _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
        GradientCheck.assert(try report(spec, batch: batch, file: file, line: line), what, file: file, line: line)
    }

    /// `corrupt` edits the analytic gradient before the check (to show the check can fail).
    func report(_ spec: ModelSpec, batch: Int = 2, corrupt: ((inout [Float], ParameterLayout) -> Void)? = nil,
                file: StaticString = #filePath, line: UInt = #line) throws -> GradientCheck.Report {
        let network = try Network(spec: spec, capacity: batch)
        // The loss is ~2.3 from float32 logits: one difference of two losses carries ~1e-8 of
        // rounding; 5e-8 covers it, and directions that move the loss by less than 10x that
        // are not counted (GradientCheck.noise).
        let checker = GradientCheck(epsilon: 1e-2, tolerance: 1e-2, noise: 5e-8, randomDirections: 2, maxShrinks: 5)
        var last = GradientCheck.Report()
        for seed: UInt64 in 1...3 {
            var rng = Xoshiro256(seed: seed)
            let weights = network.layout.initialWeights(using: &rng)
            let images = Self.sparseImages(spec, count: batch, using: &rng)
            let labels = (0..<batch).map { _ in Int32(rng.below(spec.classes)) }
            var gradient = [Float](repeating: 0, count: weights.count)
            let (loss, _) = network.lossAndGradient(images: images, labels: labels, weights: weights, gradient: &gradient)
            XCTAssertEqual(loss, network.loss(images: images, labels: labels, weights: weights).loss, file: file, line: line)
            corrupt?(&gradient, network.layout)
            last = checker.run(
                at: weights, gradient: gradient, blocks: network.layout.entries.map(\.range) + [weights.indices],
                signature: { Self.kinkSignature(network, images: images, n: batch, weights: $0) }
            ) { network.loss(images: images, labels: labels, weights: $0).loss }
            if !last.failures.isEmpty || last.unmeasurable.isEmpty { break }
        }
        return last
    }

    func testSmall() throws { try check(.small, "small") }

    func testTiny() throws { try check(.tiny, "tiny") }

    /// Batch statistics: every image's loss depends on the others' activations. The conv
    /// biases have no effect through BN: their gradient and finite differences must both be ~0.
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

    /// The check at this tolerance and noise is sharp enough to see a 3% error in one tensor's
    /// gradient, a gradient in the wrong slot, or a missing one.
    func testCheckCatchesWrongGradients() throws {
        let corruptions: [(String, (inout [Float], ParameterLayout) -> Void)] = [
            ("conv 2 weight x1.03", { g, l in for i in l.entries[2].range { g[i] *= 1.03 } }),
            ("logit biases swapped", { g, l in  // the largest and the smallest
                let r = l.entries.last!.range
                g.swapAt(r.max { g[$0] < g[$1] }!, r.min { g[$0] < g[$1] }!)
            }),
            ("first conv bias dropped", { g, l in for i in l.entries[1].range { g[i] = 0 } }),
        ]
        for (what, corrupt) in corruptions {
            let report = try report(.small, corrupt: corrupt)
            XCTAssertFalse(report.failures.isEmpty, "\(what) went unnoticed")
        }
        let bn = try report(.small.with(batchNorm: true)) { g, l in
            for i in l.entries[1].range { g[i] = 1e-3 }  // a conv bias under BN has no effect
        }
        XCTAssertFalse(bn.failures.isEmpty, "a gradient for a BN-cancelled bias went unnoticed")
    }
}
