import XCTest
@testable import Engine

/// Every ISA level this CPU runs agrees with the portable one on whole networks (forward values
/// and flat gradients): the vectorised kernels compute the same arithmetic. Levels the CPU lacks
/// are skipped, naming them.
final class FastPathTests: XCTestCase {
    func run(_ spec: ModelSpec, n: Int, isa: ISA) throws -> (loss: Double, logits: [Float], gradient: [Float]) {
        let net = try Network(spec: spec, capacity: n, compute: Compute(isa: isa, precision: .fp32))
        var rng = Xoshiro256(seed: 5)
        let weights = net.layout.initialWeights(using: &rng)
        let images = (0..<(n * spec.inputSize)).map { _ in rng.uniform(0, 1) }
        let labels = (0..<n).map { _ in Int32(rng.below(spec.classes)) }
        var gradient = [Float](repeating: 0, count: weights.count)
        let (loss, _) = net.lossAndGradient(images: images, labels: labels, weights: weights, gradient: &gradient)
        return (loss, Array(UnsafeBufferPointer(start: net.logits, count: n * spec.classes)), gradient)
    }

    func testEveryLevelMatchesThePortableOne() throws {
        let fast = ISA.supported.filter { $0 != .portable }
        try XCTSkipIf(fast.isEmpty, "this CPU runs only the portable level (no AVX2 / NEON)")
        let missing = ISA.allCases.filter { !$0.isSupported }
        if !missing.isEmpty { print("FastPathTests: not on this CPU, not tested here: \(missing.map(\.rawValue).joined(separator: ", "))") }
        var odd = ModelSpec.small
        odd.inputShape = [1, 27, 23]  // odd sides: the pooled floors and tails of the vector loops
        var bn = ModelSpec.small.with(batchNorm: true)
        bn.inputShape = [1, 19, 21]
        for spec in [ModelSpec.paper, .small, odd, bn] {
            let plain = try run(spec, n: 37, isa: .portable)
            for isa in fast {
                let got = try run(spec, n: 37, isa: isa)
                // GEMMs sum in another order on each level: float rounding, relative to the scale.
                let logitScale = plain.logits.map(abs).max()!
                let logitDiff = zip(got.logits, plain.logits).map { abs($0 - $1) }.max()!
                XCTAssertLessThan(logitDiff, 1e-4 * max(logitScale, 1), "\(isa) \(spec.summary): logits")
                XCTAssertEqual(got.loss, plain.loss, accuracy: 1e-4 * max(abs(plain.loss), 1), "\(isa) \(spec.summary)")
                let diff = zip(got.gradient, plain.gradient).map { abs($0 - $1) }.max()!
                let scale = plain.gradient.map(abs).max()!
                XCTAssertLessThan(diff, 1e-4 * scale, "\(isa) \(spec.summary): gradient")
            }
        }
    }

    /// A level the CPU lacks never runs its instructions: asking for it runs the best level below.
    func testUnsupportedLevelFallsBack() throws {
        guard let missing = ISA.allCases.first(where: { !$0.isSupported && $0 != .neon && $0 != .amx }) ?? (ISA.neon.isSupported ? nil : .neon) else {
            throw XCTSkip("this CPU runs every level")
        }
        let got = try run(.small, n: 5, isa: missing), plain = try run(.small, n: 5, isa: .portable)
        XCTAssertEqual(got.loss, plain.loss, accuracy: 1e-4 * max(abs(plain.loss), 1), "\(missing) on a CPU without it")
    }
}
