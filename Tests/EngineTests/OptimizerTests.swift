import XCTest
@testable import Engine

/// The optimiser's SGD kind (its Adam kind: AdamTests).
final class OptimizerTests: XCTestCase {
    /// PyTorch's SGD with momentum, buf = mu buf + g; p -= lr buf. With lr = mu = 1/2 and g = 1
    /// every value is exact in binary: buf 1, 1.5, 1.75 and p 1 -> 0.5 -> -0.25 -> -1.125.
    func testSGDWithMomentumByHand() {
        var sgd = Optimizer(.sgd, count: 2, learningRate: 0.5, momentum: 0.5)
        XCTAssertEqual(sgd.m, [0, 0])
        XCTAssertEqual(sgd.v, [], "SGD keeps one buffer")
        var p: [Float] = [1, 3]
        for (want, buffer) in [(Float(0.5), Float(1)), (-0.25, 1.5), (-1.125, 1.75)] {
            sgd.update(&p, gradient: [1, 0])
            XCTAssertEqual(p, [want, 3])
            XCTAssertEqual(sgd.m, [buffer, 0])
        }
        XCTAssertEqual(sgd.step, 3)
    }

    /// Bit for bit the formula `mpo fit` computed inline before the optimiser had an SGD kind,
    /// on values that round.
    func testSGDEqualsTheFormulaFitUsedBitForBit() {
        let (lr, mu): (Float, Float) = (0.01, 0.9)
        var sgd = Optimizer(.sgd, count: 5, learningRate: lr, momentum: mu)
        var p: [Float] = [0.3, -1.7, 2e-3, 12.5, -0.01]
        var expected = p, buffer = [Float](repeating: 0, count: p.count)
        for step in 1...6 {
            let g = p.indices.map { Float(step) * 0.37 * Float($0 + 1) - p[$0] * 1.3 }
            for i in p.indices {
                buffer[i] = mu * buffer[i] + g[i]
                expected[i] -= lr * buffer[i]
            }
            sgd.update(&p, gradient: g)
            XCTAssertEqual(p, expected, "step \(step)")
            XCTAssertEqual(sgd.m, buffer, "step \(step)")
        }
    }

    func testAdamIsTheDefaultKindWithTwoMoments() {
        let adam = Adam(count: 3, learningRate: 1e-3)
        XCTAssertEqual(adam.kind, .adam)
        XCTAssertEqual(adam.v.count, 3)
        var bad = adam
        bad.v[1] = .nan
        XCTAssertTrue(adam.isFinite)
        XCTAssertFalse(bad.isFinite)
    }
}
