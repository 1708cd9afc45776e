import XCTest
@testable import Engine

/// The checker itself: it passes exact gradients, fails wrong ones, steps around kinks, and
/// never passes by skipping.
final class GradientCheckTests: XCTestCase {
    /// f(p) = sum a_i p_i^2 + sum |p_i| b_i: smooth part and kinks at 0.
    let n = 40
    lazy var a: [Double] = { var r = Xoshiro256(seed: 30); return (0..<n).map { _ in Double(r.uniform(0.5, 2)) } }()
    lazy var b: [Double] = { var r = Xoshiro256(seed: 31); return (0..<n).map { _ in Double(r.uniform(-1, 1)) } }()
    func f(_ p: [Float]) -> Double { p.indices.reduce(0) { $0 + a[$1] * Double(p[$1] * p[$1]) + b[$1] * Double(abs(p[$1])) } }
    func gradient(_ p: [Float]) -> [Float] { p.indices.map { Float(2 * a[$0] * Double(p[$0]) + b[$0] * (p[$0] > 0 ? 1 : -1)) } }
    func signs(_ p: [Float]) -> Int { p.map { $0 > 0 }.hashValue }

    func point(nearKink: Bool) -> [Float] {
        var r = Xoshiro256(seed: 32)
        var p = (0..<n).map { _ in r.uniform(0.2, 1) * (r.below(2) == 0 ? -1 : 1) }
        if nearKink { p[5] = 2e-3; p[17] = -1e-3 }
        return p
    }

    func testExactGradientPasses() {
        let p = point(nearKink: false)
        let report = GradientCheck().run(at: p, gradient: gradient(p), blocks: [0..<10, 10..<40], signature: signs, f: f)
        XCTAssertTrue(report.passed, "\(report.failures)")
        XCTAssertEqual(report.checked, 8)
    }

    func testWrongGradientsFail() {
        let p = point(nearKink: false)
        let g = gradient(p)
        var scaled = g.map { $0 * 1.02 }
        var oneWrong = g; oneWrong[7] += 0.5
        var swapped = g; swapped.swapAt(3, 4)
        var halfZero = g; for i in 20..<40 { halfZero[i] = 0 }
        for (what, wrong) in [("scaled", scaled), ("one entry", oneWrong), ("swapped", swapped), ("half zero", halfZero)] {
            let report = GradientCheck().run(at: p, gradient: wrong, blocks: [0..<10, 10..<40], signature: signs, f: f)
            XCTAssertFalse(report.passed, "\(what) passed")
            XCTAssertFalse(report.failures.isEmpty, what)
        }
        scaled[0] = .nan
        XCTAssertFalse(GradientCheck().run(at: p, gradient: scaled, f: f).passed, "NaN passed")
    }

    /// |p_5| = 2e-3 < eps = 1e-2: the checker halves eps instead of reporting the kink's error.
    func testKinksAreSteppedAround() {
        let p = point(nearKink: true)
        let g = gradient(p)
        let aware = GradientCheck().run(at: p, gradient: g, signature: signs, f: f)
        XCTAssertTrue(aware.passed, "\(aware.failures)")
        XCTAssertGreaterThan(aware.kinkShrinks, 0)
        let blind = GradientCheck().run(at: p, gradient: g, f: f)
        XCTAssertFalse(blind.passed, "without a signature the kink should show as an error")
    }

    func testUnmeasurableIsNotAPass() {
        let p = point(nearKink: false)
        var calls = 0
        let report = GradientCheck().run(at: p, gradient: gradient(p), signature: { _ in calls += 1; return calls }, f: f)
        XCTAssertFalse(report.passed)
        XCTAssertFalse(report.unmeasurable.isEmpty)
        XCTAssertEqual(report.checked, 0)
    }

    /// A conv backward that lost its last (short) chunk of images is caught.
    func testDroppedChunkIsCaught() {
        let (c, f, h, w, n) = (32, 2, 12, 20, 5)
        let layer = Conv2D(inChannels: c, outChannels: f, height: h, width: w, weightOffset: 0, biasOffset: f * c * 9, epilogue: .bias, capacity: n, chunk: 2)
        var rng = Xoshiro256(seed: 33)
        let weights = rng.floats(f * c * 9 + f, -0.5, 0.5)
        let x = rng.floats(c * n * h * w)
        let r = rng.floats(f * n * h * w)
        let harness = LayerHarness(layer: layer, n: n, inputCount: x.count, parameterCount: weights.count)
        var (dx, dw) = harness.backward(x: x, weights: weights, dy: r)
        let last = (n - n % layer.chunk)..<n
        for ch in 0..<c { for b in last { for k in 0..<(h * w) { dx[(ch * n + b) * h * w + k] = 0 } } }
        let blocks = [0, 31].map { ($0 * n * h * w)..<(($0 + 1) * n * h * w) }
        let report = GradientCheck(epsilon: 0.2).run(at: x, gradient: dx, blocks: blocks) { harness.objective(x: $0, weights: weights, r: r) }
        XCTAssertFalse(report.failures.isEmpty)
        // The weight gradient, missing the same images' contribution:
        let (_, dwShort) = LayerHarness(layer: layer, n: n - last.count, inputCount: c * (n - last.count) * h * w, parameterCount: weights.count)
            .backward(x: Self.firstImages(x, c: c, n: n, hw: h * w, keep: n - last.count), weights: weights,
                      dy: Self.firstImages(r, c: f, n: n, hw: h * w, keep: n - last.count))
        XCTAssertNotEqual(dw, dwShort)
        let weightReport = GradientCheck(epsilon: 0.2).run(at: weights, gradient: dwShort) { harness.objective(x: x, weights: $0, r: r) }
        XCTAssertFalse(weightReport.failures.isEmpty)
    }

    /// The first `keep` images of a [C, N, HW] tensor.
    static func firstImages(_ t: [Float], c: Int, n: Int, hw: Int, keep: Int) -> [Float] {
        (0..<c).flatMap { ch in t[(ch * n * hw)..<((ch * n + keep) * hw)] }
    }
}
