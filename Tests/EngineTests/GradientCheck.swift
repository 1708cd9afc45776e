import XCTest
@testable import Engine

/// The finite-difference gradient checker every layer and network test registers with (ggml style).
///
/// For a function f(p) computed by the float32 engine and its analytic gradient g at p, it compares
/// directional derivatives along unit directions v: per block of parameters, first the block's own
/// gradient direction (the largest signal; catches wrong scales) and then random Gaussian ones
/// (catch errors orthogonal to g). Central differences: f(p + eps v) - f(p - eps v) against
/// <g, p+ - p->, where p+ and p- are the float32 points actually evaluated, so rounding the step to
/// float32 is not mistaken for a gradient error.
///
/// Kinks (ReLU, max-pool): when `signature` (a hash of the activation pattern) differs between
/// p - eps v, p and p + eps v, the segment crossed a kink and the central difference means
/// nothing there; eps is halved (at most `maxShrinks` times, so it never sinks into the rounding
/// noise) and then another random direction is drawn. A block where every direction keeps
/// crossing kinks is a failure, so a check can never pass by skipping everything.
struct GradientCheck {
    /// Step along a unit direction. Large enough that the float32 rounding of f stays well below
    /// the change 2 eps <g, v>; small enough that the curvature term (eps^2 f''' / 6, from
    /// BatchNorm and softmax) is negligible. Where f is piecewise linear (conv, linear, pooling)
    /// there is no curvature term and a large eps only buys a lower rounding noise: a kink in
    /// the way makes the checker halve it.
    var epsilon: Double = 1e-2
    /// Relative tolerance on the directional derivative. The engine is float32 and f sums
    /// hundreds to thousands of float32 values whose rounding does not cancel between p+ and p-,
    /// so a central difference carries about 1e-5..1e-3 relative noise; a few 1e-3 leaves room
    /// for that, while a wrong gradient (a missing factor, a dropped image, a wrong window, a
    /// wrong offset) shows up as an error of order 1e-1..1.
    var tolerance: Double = 5e-3
    /// Absolute accuracy of one difference f(p+) - f(p-), allowed on top of the relative
    /// tolerance: for f whose gradient is zero in exact arithmetic in some block (a conv bias
    /// followed by BatchNorm), where only rounding noise is left to compare.
    var noise: Double = 0
    /// Random directions per block, besides the block's gradient direction.
    var randomDirections = 3
    /// Halvings of eps tried when a kink is crossed, before drawing another direction.
    var maxShrinks = 6
    /// Directions drawn in place of one that keeps crossing kinks.
    var maxRedraws = 12
    var seed: UInt64 = 0x5EED

    struct Report {
        var checked = 0
        var kinkShrinks = 0
        var kinkRedraws = 0
        /// Directions dropped because the change in f was lost in the noise.
        var inconclusive = 0
        /// Largest relative error seen (before the noise allowance).
        var worst = 0.0
        /// Directional derivatives that disagree: the gradient is wrong.
        var failures: [String] = []
        /// Blocks where no direction could be measured (kinks everywhere, or noise): the point
        /// is a bad one to check at, which is also a failure unless the caller tries another.
        var unmeasurable: [String] = []
        var passed: Bool { failures.isEmpty && unmeasurable.isEmpty && checked > 0 }
    }

    /// Runs the check. `blocks` are the index ranges directions are drawn in (default: all of p).
    func run(
        at p: [Float], gradient g: [Float], blocks: [Range<Int>]? = nil,
        signature: (([Float]) -> Int)? = nil, f: ([Float]) -> Double
    ) -> Report {
        precondition(p.count == g.count && !p.isEmpty)
        var report = Report()
        var rng = Xoshiro256(seed: seed)
        let center = signature?(p)
        for block in blocks ?? [p.indices] {
            let gBlock = g[block].map(Double.init)
            let gNorm = (gBlock.reduce(0) { $0 + $1 * $1 }).squareRoot()
            // |<g, v>| for a typical random unit v in this block: the scale below which a
            // directional derivative counts as "near zero" and is compared absolutely.
            let typical = gNorm / Double(block.count).squareRoot()
            for k in 0...randomDirections {
                var direction: [Double]? = k == 0 && gNorm > 0 ? gBlock.map { $0 / gNorm } : nil
                var done = false
                for _ in 0...maxRedraws where !done {
                    let v = direction ?? Self.randomUnit(block.count, &rng)
                    direction = nil
                    var eps = epsilon
                    for shrink in 0...maxShrinks {
                        var plus = p, minus = p
                        for (j, i) in block.enumerated() {
                            plus[i] = Float(Double(p[i]) + eps * v[j])
                            minus[i] = Float(Double(p[i]) - eps * v[j])
                        }
                        if let signature, let center, signature(plus) != center || signature(minus) != center {
                            if shrink < maxShrinks { report.kinkShrinks += 1 }
                            eps /= 2
                            continue
                        }
                        var predicted = 0.0
                        for i in block { predicted += Double(g[i]) * (Double(plus[i]) - Double(minus[i])) }
                        let measured = f(plus) - f(minus)
                        // A change within 10x the noise says nothing about a nonzero gradient:
                        // draw another direction. (A block whose whole gradient is that small is
                        // checked absolutely: the loss must not move either.)
                        let zeroBlock = 2 * eps * gNorm < 10 * noise
                        let finite = measured.isFinite && predicted.isFinite  // (max() would hide a NaN)
                        if finite && !zeroBlock && max(abs(measured), abs(predicted)) < 10 * noise {
                            report.inconclusive += 1
                            break
                        }
                        let scale = max(abs(measured), abs(predicted), 2 * eps * typical, .leastNormalMagnitude)
                        let raw = finite ? abs(measured - predicted) / scale : .infinity
                        let error = finite ? max(0, abs(measured - predicted) - noise) / scale : .infinity
                        report.checked += 1
                        report.worst = max(report.worst, raw)
                        if !(error <= tolerance) {
                            report.failures.append(String(
                                format: "block %d..<%d, direction %d: finite difference %.6e, analytic %.6e (eps %.1e, relative error %.2e)",
                                block.lowerBound, block.upperBound, k, measured / (2 * eps), predicted / (2 * eps), eps, error))
                        }
                        done = true
                        break
                    }
                    if !done { report.kinkRedraws += 1 }  // (or inconclusive)
                }
                if !done {
                    report.unmeasurable.append("block \(block): every direction crossed a kink or drowned in noise; use smaller inputs or another epsilon")
                }
            }
        }
        return report
    }

    /// Runs the check and fails the calling test with the details when it does not pass.
    func assert(
        at p: [Float], gradient g: [Float], blocks: [Range<Int>]? = nil,
        signature: (([Float]) -> Int)? = nil, _ what: String,
        file: StaticString = #filePath, line: UInt = #line, f: ([Float]) -> Double
    ) {
        Self.assert(run(at: p, gradient: g, blocks: blocks, signature: signature, f: f), what, file: file, line: line)
    }

    static func assert(_ report: Report, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertGreaterThan(report.checked, 0, "\(what): no direction checked", file: file, line: line)
        XCTAssertTrue(
            report.failures.isEmpty && report.unmeasurable.isEmpty,
            "\(what): gradient check failed (worst relative error \(report.worst)):\n"
                + (report.failures + report.unmeasurable).joined(separator: "\n"),
            file: file, line: line)
        if ProcessInfo.processInfo.environment["GRADCHECK_VERBOSE"] != nil {
            print(String(format: "gradcheck %@: %d checked, worst %.2e, %d shrinks, %d redraws, %d inconclusive",
                         what, report.checked, report.worst, report.kinkShrinks, report.kinkRedraws, report.inconclusive))
        }
    }

    static func randomUnit(_ n: Int, _ rng: inout Xoshiro256) -> [Double] {
        var v = (0..<n).map { _ in rng.gaussian() }
        let norm = (v.reduce(0) { $0 + $1 * $1 }).squareRoot()
        for i in v.indices { v[i] /= norm }
        return v
    }
}

/// The one entry point layer and network tests call; see GradientCheck for the parameters.
func gradientCheck(
    at p: [Float], gradient g: [Float], blocks: [Range<Int>]? = nil, epsilon: Double = 1e-2,
    tolerance: Double = 5e-3, noise: Double = 0, randomDirections: Int = 3, maxShrinks: Int = 6,
    signature: (([Float]) -> Int)? = nil, _ what: String,
    file: StaticString = #filePath, line: UInt = #line, f: ([Float]) -> Double
) {
    GradientCheck(
        epsilon: epsilon, tolerance: tolerance, noise: noise, randomDirections: randomDirections, maxShrinks: maxShrinks
    ).assert(at: p, gradient: g, blocks: blocks, signature: signature, what, file: file, line: line, f: f)
}

extension Xoshiro256 {
    /// Standard normal (Box-Muller) in Double.
    mutating func gaussian() -> Double {
        let u1 = (Double(next() >> 11) + 1) / 9_007_199_254_740_993.0
        let u2 = Double(next() >> 11) / 9_007_199_254_740_992.0
        return (-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    mutating func floats(_ n: Int, _ lo: Float = -1, _ hi: Float = 1) -> [Float] {
        (0..<n).map { _ in uniform(lo, hi) }
    }
}
