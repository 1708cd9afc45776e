import XCTest
@testable import Engine

/// Exact Hessian-vector products (`HessianNetwork`) against finite differences: H·u is the
/// gradient of f(w) = ⟨∇L(w), u⟩, so the `GradientCheck` that checks every loss gradient checks
/// it too, with ∇L from the engine's own `Network` (an independent forward and backward) and the
/// same kink signatures (a difference across a ReLU or pool switch means nothing). Also: its
/// gradient is the engine's, and H is symmetric.
final class HessianNetworkTests: XCTestCase {
    struct Point {
        var weights: [Float], images: [Float], labels: [Int32], u: [Float]
    }

    func point(_ spec: ModelSpec, batch: Int, seed: UInt64) -> Point {
        var rng = Xoshiro256(seed: seed)
        let weights = ParameterLayout(spec).initialWeights(using: &rng)
        let images = NetworkGradientTests.sparseImages(spec, count: batch, using: &rng)
        let labels = (0..<batch).map { _ in Int32(rng.below(spec.classes)) }
        var u = rng.gaussians(weights.count)
        let norm = u.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        for i in u.indices { u[i] = Float(Double(u[i]) / norm) }
        return Point(weights: weights, images: images, labels: labels, u: u)
    }

    /// (H·u, ∇L) of the mean cross-entropy from the Hessian network.
    func product(_ spec: ModelSpec, _ p: Point, direction: [Float]? = nil) throws -> (hv: [Float], gradient: [Float], loss: Double) {
        let n = p.labels.count, net = try HessianNetwork(spec: spec, capacity: n)
        var hv = [Float](repeating: 0, count: p.weights.count), g = hv
        let r = hv.withUnsafeMutableBufferPointer { hv in
            g.withUnsafeMutableBufferPointer { g in
                net.accumulate(
                    images: p.images, labels: p.labels, count: n, weights: p.weights, direction: direction ?? p.u, scale: 1 / Float(n),
                    hessianVector: hv.baseAddress!, gradient: g.baseAddress!)
            }
        }
        return (hv, g, r.lossSum / Double(n))
    }

    /// `corrupt` edits H·u before the check (to show the check can fail).
    /// `noise`: ⟨∇L, u⟩ is a sum of P float32 products, with ~1e-7 of rounding per evaluation;
    /// 2e-6 leaves room for BatchNorm's blocks whose product is zero in exact arithmetic, where only
    /// rounding is compared. A net whose kinks are dense (three input channels) needs smaller steps
    /// and so a tighter noise to measure anything (1e-7, 8 halvings).
    func report(
        _ spec: ModelSpec, batch: Int = 2, noise: Double = 2e-6, maxShrinks: Int = 5, corrupt: ((inout [Float], ParameterLayout) -> Void)? = nil
    ) throws -> GradientCheck.Report {
        let network = try Network(spec: spec, capacity: batch)
        let checker = GradientCheck(epsilon: 1e-2, tolerance: 1e-2, noise: noise, randomDirections: 2, maxShrinks: maxShrinks)
        var last = GradientCheck.Report()
        for seed: UInt64 in 1...3 {
            let p = point(spec, batch: batch, seed: seed)
            var (hv, gradient, loss) = try product(spec, p)
            var reference = [Float](repeating: 0, count: p.weights.count)
            let engine = network.lossAndGradient(images: p.images, labels: p.labels, weights: p.weights, gradient: &reference)
            XCTAssertEqual(loss, engine.loss, accuracy: 1e-5 * max(1, engine.loss), "\(spec.text): loss")
            let scale = reference.map(abs).max()!
            XCTAssertLessThanOrEqual(zip(gradient, reference).map { abs($0 - $1) }.max()!, 1e-4 * scale, "\(spec.text): gradient")
            corrupt?(&hv, network.layout)
            last = checker.run(
                at: p.weights, gradient: hv, blocks: network.layout.entries.map(\.range) + [p.weights.indices],
                signature: { NetworkGradientTests.kinkSignature(network, images: p.images, n: batch, weights: $0) }
            ) { w in
                var g = [Float](repeating: 0, count: w.count)
                _ = network.lossAndGradient(images: p.images, labels: p.labels, weights: w, gradient: &g)
                return zip(g, p.u).reduce(0) { $0 + Double($1.0) * Double($1.1) }
            }
            if !last.failures.isEmpty || last.unmeasurable.isEmpty { break }
        }
        return last
    }

    func testTiny() throws { GradientCheck.assert(try report(.tiny), "H·u tiny") }

    func testSmall() throws { GradientCheck.assert(try report(.small), "H·u small") }

    /// Batch statistics make every image's loss depend on the others: the BatchNorm R-operator.
    func testBatchNorm() throws { GradientCheck.assert(try report(.small.with(batchNorm: true), batch: 3), "H·u small+bn") }

    func testBatchNormWithoutMaxPool() throws {
        let spec = ModelSpec(inputShape: [1, 10, 10], convChannels: [1, 3, 4], dense: [64, 8], batchNorm: true, maxPool: false)
        GradientCheck.assert(try report(spec, batch: 3), "H·u bn no-max-pool")
    }

    func testThreeChannels() throws {
        let spec = ModelSpec(inputShape: [3, 32, 32], convChannels: [3, 4, 8], dense: [128, 16])
        GradientCheck.assert(try report(spec, noise: 1e-7, maxShrinks: 8), "H·u 3x32x32")
    }

    /// u·(H v) = v·(H u): a wrong cross term of the backward R-pass breaks the symmetry.
    func testProductsAreSymmetric() throws {
        for spec in [ModelSpec.small, .small.with(batchNorm: true)] {
            let p = point(spec, batch: 4, seed: 7)
            var rng = Xoshiro256(seed: 8)
            let v = rng.gaussians(p.weights.count).map { $0 / 400 }
            let hu = try product(spec, p).hv, hv = try product(spec, p, direction: v).hv
            let a = zip(v, hu).reduce(0) { $0 + Double($1.0) * Double($1.1) }, b = zip(p.u, hv).reduce(0) { $0 + Double($1.0) * Double($1.1) }
            XCTAssertGreaterThan(abs(a), 1e-6, "\(spec.text): a product too small to compare")
            XCTAssertEqual(a, b, accuracy: 1e-4 * abs(a), "\(spec.text): vᵀHu against uᵀHv")
        }
    }

    /// The check sees a 3% error in one tensor's block, or a block dropped.
    func testCheckCatchesWrongProducts() throws {
        let scaled = try report(.small) { hv, l in for i in l.entries[2].range { hv[i] *= 1.03 } }
        XCTAssertFalse(scaled.failures.isEmpty, "conv 2 weight x1.03 went unnoticed")
        let dropped = try report(.small.with(batchNorm: true), batch: 3) { hv, l in
            for i in l.entry(named: "1.weight")!.range { hv[i] = 0 }  // the first BatchNorm's scale
        }
        XCTAssertFalse(dropped.failures.isEmpty, "a dropped BatchNorm block went unnoticed")
    }
}

