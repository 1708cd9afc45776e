import Engine
import Foundation
@testable import MPO
import XCTest

/// The curve between two models: its points, the gradient with respect to θ (against the
/// network's own gradients and finite differences), training, rollback and the saved file.
final class CurveTests: XCTestCase {
    /// Random images and labels in the net's input shape.
    static func dataset(_ net: ModelSpec, count: Int, seed: UInt64) -> Dataset {
        var rng = Xoshiro256(seed: seed)
        let size = net.inputSize
        return Dataset(name: "noise", shape: net.inputShape, classes: net.classes,
                       images: (0..<(count * size)).map { _ in rng.uniform(0, 1) },
                       labels: (0..<count).map { _ in Int32(rng.below(net.classes)) })
    }

    /// Two freshly initialised nets (different seeds) and a curve between them with θ moved off
    /// the segment.
    static func curve(_ kind: Curve.Kind, net: ModelSpec) -> Curve {
        let layout = ParameterLayout(net)
        var r1 = Xoshiro256(seed: 1), r2 = Xoshiro256(seed: 2), r3 = Xoshiro256(seed: 3)
        let a = layout.initialWeights(using: &r1), b = layout.initialWeights(using: &r2)
        var c = Curve(kind: kind, from: a, to: b)
        for i in c.theta.indices { c.theta[i] += 0.05 * r3.uniform(-1, 1) }
        return c
    }

    func settings(points: Int, batch: Int) -> CurveTrainer.Settings {
        var s = CurveTrainer.Settings()
        (s.points, s.batchSize, s.learningRate, s.seed) = (points, batch, 1e-2, 7)
        return s
    }

    func testPointsAreTheFormulaWithExactEnds() {
        let net = ModelSpec.tiny
        for kind in Curve.Kind.allCases {
            let c = Self.curve(kind, net: net)
            XCTAssertEqual(c.weights(0), c.a)
            XCTAssertEqual(c.weights(1), c.b)
            for t in [0.1, 0.3, 0.5, 0.7, 0.95] {
                let k = Curve.coefficients(kind, t: t)
                XCTAssertEqual(k.a + k.theta + k.b, 1, accuracy: 1e-12)
                let expected: (Double, Double, Double) = kind == .bezier
                    ? ((1 - t) * (1 - t), 2 * t * (1 - t), t * t)
                    : (t < 0.5 ? (1 - 2 * t, 2 * t, 0) : (0, 2 - 2 * t, 2 * t - 1))
                XCTAssertEqual(k.a, expected.0, accuracy: 1e-12)
                XCTAssertEqual(k.theta, expected.1, accuracy: 1e-12)
                XCTAssertEqual(k.b, expected.2, accuracy: 1e-12)
                let w = c.weights(t)
                for i in stride(from: 0, to: w.count, by: 97) {
                    XCTAssertEqual(Double(w[i]), k.a * Double(c.a[i]) + k.theta * Double(c.theta[i]) + k.b * Double(c.b[i]), accuracy: 1e-5)
                }
            }
            // The polychain passes through θ at its bend.
            if kind == .polychain { XCTAssertEqual(c.weights(0.5), c.theta) }
        }
    }

    /// dL/dθ = mean_k c(t_k) dCE/dw(t_k): the trainer's sum against one network pass per t.
    func testGradientIsTheWeightedSumOfThePointsGradients() throws {
        for net in [ModelSpec.tiny, ModelSpec.tiny.with(batchNorm: true)] {
            for kind in Curve.Kind.allCases {
                let c = Self.curve(kind, net: net)
                let data = Self.dataset(net, count: 8, seed: 4)
                let trainer = try CurveTrainer(net: net, curve: c, settings: settings(points: 3, batch: 8), train: data, workers: 2)
                trainer.setBatch(images: data.images, labels: data.labels)
                let ts = [0.2, 0.5, 0.85]
                let (g, loss, _) = trainer.gradient(at: ts)
                let network = try Network(spec: net, capacity: 8)
                var expected = [Double](repeating: 0, count: g.count), meanLoss = 0.0
                for t in ts {
                    var gw = [Float](repeating: 0, count: g.count)
                    meanLoss += network.lossAndGradient(images: data.images, labels: data.labels, weights: c.weights(t), gradient: &gw).loss / 3
                    for i in gw.indices { expected[i] += c.thetaWeight(t) * Double(gw[i]) / 3 }
                }
                XCTAssertEqual(loss, meanLoss, accuracy: 1e-6, "\(kind) \(net.text)")
                let dot = zip(g, expected).reduce(0) { $0 + Double($1.0) * $1.1 }
                let ng = g.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot(), ne = expected.reduce(0) { $0 + $1 * $1 }.squareRoot()
                XCTAssertGreaterThan(ne, 0)
                XCTAssertGreaterThan(dot / (ng * ne), 0.999_999, "\(kind) \(net.text)")
                XCTAssertEqual(ng, ne, accuracy: 1e-5 * ne)
            }
        }
    }

    /// The gradient's directional derivatives against central differences of L(θ) in double steps.
    func testGradientMatchesFiniteDifferences() throws {
        for net in [ModelSpec.tiny, ModelSpec.tiny.with(batchNorm: true)] {
            for kind in Curve.Kind.allCases {
                var c = Self.curve(kind, net: net)
                let data = Self.dataset(net, count: 6, seed: 5)
                let trainer = try CurveTrainer(net: net, curve: c, settings: settings(points: 2, batch: 6), train: data, workers: 1)
                trainer.setBatch(images: data.images, labels: data.labels)
                let ts = [0.3, 0.6]
                let g = trainer.gradient(at: ts).gradient
                let network = try Network(spec: net, capacity: 6, forwardOnly: true)
                func loss(_ theta: [Float]) -> Double {
                    c.theta = theta
                    return ts.reduce(0) { $0 + network.loss(images: data.images, labels: data.labels, weights: c.weights($1)).loss } / Double(ts.count)
                }
                let theta = c.theta
                var rng = Xoshiro256(seed: 11)
                func unit(_ x: [Float]) -> [Float] {
                    let n = Float(x.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot())
                    return x.map { $0 / n }
                }
                // Unit directions with a share of the gradient's (a random one alone sees little of it
                // among thousands of parameters); steps small enough to cross few ReLU or max-pool kinks.
                for share: Float in [1, 0.5, 0.2] {
                    let r = unit((0..<theta.count).map { _ in rng.uniform(-1, 1) })
                    let u = unit(zip(unit(g), r).map { share * $0 + (1 - share) * $1 })
                    let eps: Float = 1e-3
                    let plus = loss(zip(theta, u).map { $0 + eps * $1 }), minus = loss(zip(theta, u).map { $0 - eps * $1 })
                    let numeric = (plus - minus) / (2 * Double(eps))
                    let analytic = zip(g, u).reduce(0) { $0 + Double($1.0) * Double($1.1) }
                    XCTAssertEqual(analytic, numeric, accuracy: 2e-2 * abs(numeric) + 1e-4, "\(kind) \(net.text)")
                }
            }
        }
    }

    /// A seed gives the same θ whatever the worker count; steps lower the loss on a fixed batch.
    func testTrainingIsDeterministicAndLowersTheLoss() throws {
        let net = ModelSpec.tiny, c = Self.curve(.bezier, net: net), data = Self.dataset(net, count: 64, seed: 6)
        var results: [[Float]] = []
        for workers in [1, 2] {
            let trainer = try CurveTrainer(net: net, curve: c, settings: settings(points: 3, batch: 16), train: data, workers: workers)
            for _ in 0..<4 { trainer.advance() }
            XCTAssertEqual(trainer.step, 4)
            XCTAssertEqual(trainer.curve.a, c.a, "the ends never move")
            XCTAssertEqual(trainer.curve.b, c.b)
            results.append(trainer.curve.theta)
        }
        XCTAssertEqual(results[0], results[1])
        XCTAssertNotEqual(results[0], c.theta)
        // On one batch at fixed t, Adam steps must lower the loss.
        let trainer = try CurveTrainer(net: net, curve: c, settings: settings(points: 2, batch: 16), train: data, workers: 1)
        trainer.setBatch(images: Array(data.images.prefix(16 * net.inputSize)), labels: Array(data.labels.prefix(16)))
        let before = trainer.gradient(at: [0.4, 0.6]).loss
        let s = trainer.state
        var theta = s.theta, adam = s.adam
        for _ in 0..<20 {
            var g = trainer.gradient(at: [0.4, 0.6]).gradient
            clipGradientNorm(&g, maxNorm: 100)
            adam.update(&theta, gradient: g)
            trainer.restore(.init(theta: theta, adam: adam, rng: s.rng))
        }
        XCTAssertLessThan(trainer.gradient(at: [0.4, 0.6]).loss, before)
    }

    /// A step that leaves a NaN is rolled back and training stops at the last finite state.
    func testLoopRollsBackANonFiniteStep() throws {
        let net = ModelSpec.tiny, data = Self.dataset(net, count: 32, seed: 8)
        let trainer = try CurveTrainer(net: net, curve: Self.curve(.polychain, net: net), settings: settings(points: 2, batch: 8), train: data, workers: 1)
        let loop = TrainingLoop(trainer: trainer)
        loop.fault = { step, state in if step == 3 { state.theta[5] = .nan } }
        var kept: [Float] = []
        let d = loop.train(until: 10) { r in if r.step == 2 { kept = trainer.curve.theta } }
        XCTAssertEqual(d?.step, 3)
        XCTAssertEqual(d?.keptStep, 2)
        XCTAssertEqual(trainer.step, 2)
        XCTAssertEqual(trainer.curve.theta, kept)
        XCTAssertTrue(trainer.isFinite)
    }

    /// The saved curve reads back whole, and opens as a plane of kind curve through A, B, θ with
    /// the curve as its path.
    func testFileRoundTripsAndIsAPlaneThroughTheEndsAndTheta() throws {
        let net = ModelSpec.tiny, data = Self.dataset(net, count: 32, seed: 9)
        let trainer = try CurveTrainer(net: net, curve: Self.curve(.bezier, net: net), settings: settings(points: 2, batch: 8), train: data, workers: 1)
        trainer.sources = ["a.safetensors", "b.safetensors"]
        for _ in 0..<3 { trainer.advance() }
        let path = NSTemporaryDirectory() + "curve-\(UUID().uuidString).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try trainer.file.write(to: path)
        let back = try CurveFile.read(path: path)
        XCTAssertEqual(back.curve, trainer.curve)
        XCTAssertEqual(back.settings, trainer.settings)
        XCTAssertEqual(back.adam.m, trainer.adam.m)
        XCTAssertEqual(back.adam.v, trainer.adam.v)
        XCTAssertEqual(back.step, 3)
        XCTAssertEqual(back.rng, trainer.rng)
        XCTAssertEqual(back.net, net)

        guard case .directions(let plane) = try PlaneFile.read(path: path) else { return XCTFail("not a direction plane") }
        XCTAssertEqual(plane.kind, .curve)
        XCTAssertEqual(plane.markers.map(\.name), ["A", "B", "θ"])
        XCTAssertEqual(plane.trajectory.count, Curve.pathPoints)
        XCTAssertEqual(plane.trajectory.first?.alpha ?? 9, 0, accuracy: 1e-12)
        XCTAssertEqual(plane.trajectory.last?.alpha ?? 9, 1, accuracy: 1e-12)
        XCTAssertEqual(plane.trajectory.last?.beta ?? 9, 0, accuracy: 1e-12)
        // Points of the path are the curve's points (the plane holds the curve exactly, to rounding).
        let mid = plane.trajectory[Curve.pathPoints / 2], w = plane.weights(alpha: mid.alpha, beta: mid.beta), expected = trainer.curve.weights(0.5)
        let err = zip(w, expected).map { abs($0 - $1) }.max()!, scale = expected.map(abs).max()!
        XCTAssertLessThan(err, 1e-5 * scale)

        // Something other than a curve is refused by name.
        let model = NSTemporaryDirectory() + "notcurve-\(UUID().uuidString).safetensors"
        defer { try? FileManager.default.removeItem(atPath: model) }
        try ModelTrainer.initial(net: net, settings: .init()).write(to: model)
        XCTAssertThrowsError(try CurveFile.read(path: model)) { XCTAssertTrue("\($0)".contains("not a curve"), "\($0)") }
    }
}
