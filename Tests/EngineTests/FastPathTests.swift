import XCTest
@testable import Engine

/// Every fast path agrees with the plain one: AVX-512 kernels against the portable C kernels, on
/// whole networks (forward values and flat gradients).
final class FastPathTests: XCTestCase {
    override func tearDown() { KernelSelection.portableOnly = false }

    func run(_ spec: ModelSpec, n: Int, portable: Bool) throws -> (loss: Double, logits: [Float], gradient: [Float]) {
        KernelSelection.portableOnly = portable
        let net = try Network(spec: spec, capacity: n)
        var rng = Xoshiro256(seed: 5)
        let weights = net.layout.initialWeights(using: &rng)
        let images = (0..<(n * spec.inputSize)).map { _ in rng.uniform(0, 1) }
        let labels = (0..<n).map { _ in Int32(rng.below(spec.classes)) }
        var gradient = [Float](repeating: 0, count: weights.count)
        let (loss, _) = net.lossAndGradient(images: images, labels: labels, weights: weights, gradient: &gradient)
        return (loss, Array(UnsafeBufferPointer(start: net.logits, count: n * spec.classes)), gradient)
    }

    func testVectorKernelsMatchPortableOnes() throws {
        try XCTSkipUnless(CPU.hasAVX512, "no AVX-512 on this CPU: only the portable kernels exist")
        var odd = ModelSpec.small
        odd.inputShape = [1, 27, 23]  // odd sides: the pooled floors and tails of the vector loops
        for spec in [ModelSpec.paper, .small, odd] {
            let fast = try run(spec, n: 37, portable: false), plain = try run(spec, n: 37, portable: true)
            XCTAssertEqual(fast.logits, plain.logits, "forward is exact: same comparisons, same additions")
            XCTAssertEqual(fast.loss, plain.loss)
            // Bias sums are accumulated in a different order: allow float rounding.
            let diff = zip(fast.gradient, plain.gradient).map { abs($0 - $1) }.max()!
            let scale = plain.gradient.map(abs).max()!
            XCTAssertLessThan(diff, 1e-5 * scale, "\(spec.summary)")
        }
    }
}
