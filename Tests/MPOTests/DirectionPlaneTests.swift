import Engine
import Foundation
import TestSupport
import XCTest
@testable import MPO

/// Planes of fixed directions (`mpo plane`): each construction against an independent
/// computation, the centre of the default view against the origin evaluated directly, and the
/// files of every kind (and of the format before kinds) read back.
final class DirectionPlaneTests: XCTestCase {
    func model(_ net: ModelSpec = .small, seed: UInt64) -> [Float] {
        var rng = Xoshiro256(seed: seed)
        return ParameterLayout(net).initialWeights(using: &rng)
    }

    func norm(_ x: ArraySlice<Float>) -> Double { x.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }
    func dot(_ x: [Float], _ y: [Float]) -> Double { zip(x, y).reduce(0) { $0 + Double($1.0) * Double($1.1) } }

    // MARK: random directions

    /// Every filter (a slice along the first dimension) of a filter-normalised direction is the
    /// same Gaussian draw rescaled to that filter's norm in the model; 1-D tensors are the
    /// model's values or zeros; `layer` matches whole tensors; `none` keeps the draw.
    func testFilterNormalisationPerFilterAgainstADirectComputation() {
        let net = ModelSpec.small, layout = ParameterLayout(net), w = model(seed: 4)
        for kind in DirectionPlane.Norm.allCases {
            for ignore in [false, true] {
                var rng = Xoshiro256(seed: 9), again = Xoshiro256(seed: 9)
                let d = DirectionPlane.randomDirection(like: w, layout: layout, norm: kind, ignoreBiasBN: ignore, rng: &rng)
                let g = again.gaussians(layout.count)  // the draw, independently
                for e in layout.entries {
                    if e.shape.count == 1 {
                        for i in e.range { XCTAssertEqual(d[i], ignore ? 0 : w[i], "\(e.name) \(kind) ignore \(ignore)") }
                        continue
                    }
                    let groups = kind == .filter ? e.shape[0] : 1, size = e.count / groups
                    for f in 0..<groups {
                        let r = (e.offset + f * size)..<(e.offset + (f + 1) * size)
                        let k = kind == .none ? 1 : norm(w[r]) / norm(g[r])
                        for i in r { XCTAssertEqual(Double(d[i]), Double(g[i]) * k, accuracy: 1e-5 * max(1, abs(Double(d[i]))), "\(e.name)[\(f)] \(kind)") }
                        if kind != .none { XCTAssertEqual(norm(d[r]), norm(w[r]), accuracy: 1e-5 * norm(w[r]), "\(e.name) filter \(f)") }
                    }
                }
            }
        }
    }

    func testRandomPlaneDrawsTwoDifferentDirectionsFromItsSeed() {
        let w = model(seed: 2)
        let a = DirectionPlane.random(origin: w, net: .small, dataset: .fashionMNIST, norm: .filter, ignoreBiasBN: true, seed: 5, sources: [])
        let b = DirectionPlane.random(origin: w, net: .small, dataset: .fashionMNIST, norm: .filter, ignoreBiasBN: true, seed: 5, sources: [])
        let c = DirectionPlane.random(origin: w, net: .small, dataset: .fashionMNIST, norm: .filter, ignoreBiasBN: true, seed: 6, sources: [])
        XCTAssertEqual(a.direction1, b.direction1)
        XCTAssertEqual(a.direction2, b.direction2)
        XCTAssertNotEqual(a.direction1, a.direction2)
        XCTAssertNotEqual(a.direction1, c.direction1)
        // Random directions in 1e4 dimensions are nearly orthogonal.
        XCTAssertLessThan(abs(dot(a.direction1, a.direction2)) / (norm(a.direction1[...]) * norm(a.direction2[...])), 0.1)
    }

    // MARK: three models

    func testThreeModelPlaneReproducesEachModelAtItsMarker() throws {
        let a = model(seed: 1), b = model(seed: 2), c = model(seed: 3)
        let plane = try DirectionPlane.through(a, b, c, net: .small, dataset: .fashionMNIST, sources: ["a", "b", "c"])
        XCTAssertEqual(plane.markers.map(\.name), ["A", "B", "C"])
        XCTAssertEqual(plane.markers[0].alpha, 0)
        XCTAssertEqual(plane.markers[0].beta, 0)
        XCTAssertEqual(plane.markers[1].alpha, 1)
        XCTAssertEqual(plane.markers[1].beta, 0)
        XCTAssertEqual(plane.markers[2].beta, 1)
        let expectedAlpha = zip(c, a).map { Double($0) - Double($1) }.enumerated().reduce(0.0) { $0 + $1.element * (Double(b[$1.offset]) - Double(a[$1.offset])) }
            / zip(b, a).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) }
        XCTAssertEqual(plane.markers[2].alpha, expectedAlpha, accuracy: 1e-12)
        XCTAssertLessThan(abs(dot(plane.direction1, plane.direction2)) / (norm(plane.direction1[...]) * norm(plane.direction2[...])), 1e-6)
        for (m, w) in zip(plane.markers, [a, b, c]) {
            let back = plane.weights(alpha: m.alpha, beta: m.beta)
            let error = norm(zip(back, w).map { $0 - $1 }[...]) / norm(w[...])
            XCTAssertLessThan(error, 1e-6, "model \(m.name) at (\(m.alpha), \(m.beta))")
            // and through the grid position the evaluator uses, (row, col) = (-beta, alpha)
            let p = plane.frame.position(m.alpha, m.beta)
            XCTAssertEqual(plane.weights(row: p.row, col: p.col), back)
        }
    }

    /// BatchNorm running statistics move with the weights: each marker of a three-model plane has
    /// its own model's, a random plane has its origin's everywhere, a variance that the
    /// combination drives below 0 far out is 0, and the file keeps them.
    func testStatisticsFollowTheModelsOverThePlane() throws {
        let net = ModelSpec.small.with(batchNorm: true)
        let layout = StatisticsLayout(net), p = ParameterLayout(net)
        XCTAssertEqual(layout.count, 2 * (4 + 8))
        let weights = (1...3).map { seed -> [Float] in
            var rng = Xoshiro256(seed: UInt64(seed))
            return p.initialWeights(using: &rng)
        }
        let statistics = (1...3).map { seed -> [Float] in
            var rng = Xoshiro256(seed: UInt64(100 + seed))
            var s = layout.initial
            for e in layout.entries {
                for i in e.meanRange { s[i] = rng.uniform(-1, 1) }
                for i in e.varianceRange { s[i] = rng.uniform(0.1, 3) }
            }
            return s
        }
        var plane = try DirectionPlane.through(
            weights[0], weights[1], weights[2], statistics: statistics, net: net, dataset: .fashionMNIST, sources: ["a", "b", "c"])
        for (m, s) in zip(plane.markers, statistics) {
            let at = plane.frame.position(m.alpha, m.beta)
            let got = try XCTUnwrap(plane.runningStatistics(row: at.row, col: at.col))
            for (x, y) in zip(got, s) { XCTAssertEqual(x, y, accuracy: 1e-5, "marker \(m.name)") }
        }
        // Far outside the three some variance combines to below 0: taken as 0, never negative.
        let far = try XCTUnwrap(plane.runningStatistics(row: -40, col: -40))
        XCTAssertTrue(layout.varianceIndices.allSatisfy { far[$0] >= 0 })
        XCTAssertTrue(layout.varianceIndices.contains { far[$0] == 0 }, "the test reaches a clamped variance")

        let path = temporary("bn-three.safetensors")
        try plane.write(to: path)
        let back = try DirectionPlane.read(path: path)
        XCTAssertEqual(back.statistics, plane.statistics)
        // A plane around one model has its statistics everywhere.
        plane = DirectionPlane.random(
            origin: weights[0], statistics: statistics[0], net: net, dataset: .fashionMNIST, norm: .filter, ignoreBiasBN: true, seed: 4, sources: [])
        XCTAssertEqual(plane.runningStatistics(row: 3.5, col: -2), statistics[0])
        // Without statistics none are stored, and the plane says so.
        plane.statistics = nil
        try plane.write(to: path)
        XCTAssertNil(try DirectionPlane.read(path: path).statistics)
        XCTAssertNil(try DirectionPlane.read(path: path).runningStatistics(row: 0, col: 0))
        // Half the statistics is damage.
        var file = try Safetensors.read(path: path)
        file.tensors["statistics_origin"] = .init(statistics[0])
        try file.write(to: path)
        XCTAssertThrowsError(try DirectionPlane.read(path: path)) { XCTAssertTrue("\($0)".contains("statistics incomplete"), "\($0)") }
    }

    func testThreeModelPlaneRefusesDegenerateModels() {
        let a = model(seed: 1), b = model(seed: 2)
        let mid = zip(a, b).map { ($0 + $1) / 2 }
        XCTAssertThrowsError(try DirectionPlane.through(a, a, b, net: .small, dataset: .fashionMNIST, sources: [])) {
            XCTAssertTrue("\($0)".contains("same point"), "\($0)")
        }
        XCTAssertThrowsError(try DirectionPlane.through(a, b, mid, net: .small, dataset: .fashionMNIST, sources: [])) {
            XCTAssertTrue("\($0)".contains("line through A and B"), "\($0)")
        }
    }

    // MARK: PCA

    /// A synthetic trajectory in 400 dimensions: the PCA plane's directions are orthonormal and
    /// match the top two eigenvectors of DᵀD found by power iteration on the P x P side.
    func testPCADirectionsAreOrthonormalAndMatchPowerIteration() throws {
        let p = 400, t = 12
        var rng = Xoshiro256(seed: 21)
        let final = rng.gaussians(p)
        let u = rng.gaussians(p), v = rng.gaussians(p), noise = rng.gaussians(t * p)
        var rows = [Float]()
        for k in 0..<t {
            let s = Float(t - 1 - k) / Float(t - 1)
            for i in 0..<p { rows.append(k == t - 1 ? final[i] : final[i] + 3 * s * u[i] + sin(Float(k)) * v[i] + 0.05 * noise[k * p + i]) }  // ends at the final model
        }
        let plane = try DirectionPlane.pca(rows: rows, count: t, final: final, net: .small, dataset: .fashionMNIST,
                                           steps: Array(0..<t).map { $0 * 10 }, sources: [])
        XCTAssertEqual(norm(plane.direction1[...]), 1, accuracy: 1e-5)
        XCTAssertEqual(norm(plane.direction2[...]), 1, accuracy: 1e-5)
        XCTAssertEqual(dot(plane.direction1, plane.direction2), 0, accuracy: 1e-5)

        // Independently: power iteration with x <- Dᵀ(D x), in double, deflating the first.
        let d = (0..<t).map { k in (0..<p).map { Double(rows[k * p + $0]) - Double(final[$0]) } }
        func apply(_ x: [Double]) -> [Double] {
            var y = [Double](repeating: 0, count: p)
            for row in d {
                let c = zip(row, x).reduce(0) { $0 + $1.0 * $1.1 }
                for i in 0..<p { y[i] += c * row[i] }
            }
            return y
        }
        func power(orthogonalTo q: [Double]?) -> (vector: [Double], value: Double) {
            var x = (0..<p).map { Double($0 % 7) - 3 }
            var value = 0.0
            for _ in 0..<500 {
                if let q { let c = zip(x, q).reduce(0) { $0 + $1.0 * $1.1 }; x = zip(x, q).map { $0 - c * $1 } }
                let y = apply(x)
                let n = y.reduce(0) { $0 + $1 * $1 }.squareRoot()
                value = n / x.reduce(0) { $0 + $1 * $1 }.squareRoot()
                x = y.map { $0 / n }
            }
            return (x, value)
        }
        let first = power(orthogonalTo: nil), second = power(orthogonalTo: first.vector)
        XCTAssertEqual(abs(zip(first.vector, plane.direction1).reduce(0) { $0 + $1.0 * Double($1.1) }), 1, accuracy: 1e-5)
        XCTAssertEqual(abs(zip(second.vector, plane.direction2).reduce(0) { $0 + $1.0 * Double($1.1) }), 1, accuracy: 1e-5)
        let total = d.reduce(0) { $0 + $1.reduce(0) { $0 + $1 * $1 } }
        XCTAssertEqual(plane.varianceExplained[0], first.value / total, accuracy: 1e-6)
        XCTAssertEqual(plane.varianceExplained[1], second.value / total, accuracy: 1e-6)
        XCTAssertLessThanOrEqual(plane.varianceExplained.reduce(0, +), 1 + 1e-12)
        XCTAssertGreaterThan(plane.varianceExplained[0], 0.5, "the straight run dominates")
        // The path: snapshot k projected on the directions; the last one is the origin.
        XCTAssertEqual(plane.trajectory.count, t)
        for k in [0, 5] {
            let offset = d[k].map(Float.init)
            XCTAssertEqual(plane.trajectory[k].alpha, dot(offset, plane.direction1), accuracy: 1e-4)
            XCTAssertEqual(plane.trajectory[k].beta, dot(offset, plane.direction2), accuracy: 1e-4)
        }
        XCTAssertEqual(plane.trajectory.last!.alpha, 0, accuracy: 1e-6)
        XCTAssertGreaterThan(plane.trajectory[0].alpha, 0, "d1 points towards the start")
        XCTAssertEqual(plane.trajectory[3].name, "30")
        XCTAssertGreaterThanOrEqual(plane.radius, max(abs(plane.trajectory[0].alpha), abs(plane.trajectory[0].beta)), "the default view holds the path")
    }

    func testSymmetricEigenAgainstAKnownDecomposition() {
        // Q diag(5, 2, -1) Qᵀ for a rotation Q.
        let c = cos(0.3), s = sin(0.3)
        let q: [[Double]] = [[c, -s, 0], [s * 0.6, c * 0.6, -0.8], [s * 0.8, c * 0.8, 0.6]]
        let lambda = [5.0, 2, -1]
        var a = [Double](repeating: 0, count: 9)
        for i in 0..<3 { for j in 0..<3 { for k in 0..<3 { a[i * 3 + j] += q[i][k] * lambda[k] * q[j][k] } } }
        let e = SymmetricEigen(a, n: 3)
        for k in 0..<3 {
            XCTAssertEqual(e.values[k], lambda[k], accuracy: 1e-12)
            XCTAssertEqual(abs((0..<3).reduce(0) { $0 + e.vectors[k][$1] * q[$1][k] }), 1, accuracy: 1e-12)
        }
    }

    // MARK: evaluation

    /// The default view's centre sample is the origin model: its loss is the loss of the origin
    /// run through a network directly.
    func testDefaultViewCentreIsTheOriginModel() throws {
        let test = try DatasetKind.fashionMNIST.load(.test).prefix(200)
        let w = model(seed: 8)
        let plane = DirectionPlane.random(origin: w, net: .small, dataset: .fashionMNIST, norm: .filter, ignoreBiasBN: true, seed: 1, sources: [])
        let view = plane.frame.viewport
        XCTAssertEqual(view.rows, 51)
        XCTAssertEqual(view.cols, 51)
        XCTAssertEqual(view.position(row: 25, col: 25).row, 0)
        XCTAssertEqual(view.position(row: 25, col: 25).col, 0)
        XCTAssertEqual(view.position(row: 0, col: 50).col, 1, accuracy: 1e-12, "α reaches 1 at the right edge")
        XCTAssertEqual(view.position(row: 0, col: 50).row, -1, accuracy: 1e-12, "β reaches 1 at the top")
        let evaluator = try Evaluator(net: .small, data: test, workers: 2)
        let map = evaluator.heatmap(plane, viewport: view, split: .test, step: 0)
        let network = try Network(spec: .small, capacity: test.count, forwardOnly: true)
        let direct = network.loss(images: test.images, labels: test.labels, weights: w)
        XCTAssertEqual(Double(map.loss[25 * 51 + 25]), direct.loss, accuracy: 1e-6 * max(1, direct.loss))
        XCTAssertEqual(Double(map.accuracy[25 * 51 + 25]), Double(direct.correct) / Double(test.count), accuracy: 1e-9)
        // A corner is somewhere else: (α, β) = (-1, 1).
        let corner = network.loss(images: test.images, labels: test.labels, weights: plane.weights(alpha: -1, beta: 1))
        XCTAssertEqual(Double(map.loss[0]), corner.loss, accuracy: 1e-5 * max(1, corner.loss))
        XCTAssertNotEqual(map.loss[0], map.loss[25 * 51 + 25])
    }

    // MARK: files

    func planes() throws -> [DirectionPlane] {
        let a = model(seed: 1), b = model(seed: 2), c = model(seed: 3)
        var random = DirectionPlane.random(origin: a, net: .small, dataset: .fashionMNIST, norm: .layer, ignoreBiasBN: false, seed: 77, sources: ["a.safetensors"])
        random.recipe.around = "3,4"
        let models = try DirectionPlane.through(a, b, c, net: .small, dataset: .fashionMNIST, sources: ["a", "b", "c"])
        let rows = a + b + c + a.map { $0 * 0.5 }
        let pca = try DirectionPlane.pca(rows: rows, count: 4, final: c, net: .small, dataset: .fashionMNIST, steps: [0, 100, 200, 300], sources: ["t", "m"])
        var d1 = [Float](repeating: 0, count: a.count), d2 = d1
        (d1[0], d2[1]) = (1, 1)
        var hessian = DirectionPlane.hessian(
            origin: a, net: .small, dataset: .fashionMNIST, eigenvalues: [12.5, 3.25], directions: [d1, d2], images: 500, split: .train,
            seed: 4, sources: ["a.safetensors"])
        hessian.recipe.around = "-0.5,0.25"
        return [random, models, pca, hessian]
    }

    func testEachKindRoundTripsThroughItsFile() throws {
        for plane in try planes() {
            let path = temporary("\(plane.kind.rawValue).safetensors")
            try plane.write(to: path)
            guard case .directions(let back) = try PlaneFile.read(path: path) else { return XCTFail("\(plane.kind) read as an MPO plane") }
            XCTAssertEqual(back.kind, plane.kind)
            XCTAssertEqual(back.net, plane.net)
            XCTAssertEqual(back.dataset, plane.dataset)
            XCTAssertEqual(back.origin, plane.origin)
            XCTAssertEqual(back.direction1, plane.direction1)
            XCTAssertEqual(back.direction2, plane.direction2)
            XCTAssertEqual(back.markers, plane.markers)
            XCTAssertEqual(back.trajectory.map(\.name), plane.trajectory.map(\.name))
            for (x, y) in zip(back.trajectory, plane.trajectory) {
                XCTAssertEqual(x.alpha, Double(Float(y.alpha)))
                XCTAssertEqual(x.beta, Double(Float(y.beta)))
            }
            XCTAssertEqual(back.varianceExplained, plane.varianceExplained)
            XCTAssertEqual(back.eigenvalues, plane.eigenvalues)
            XCTAssertEqual(back.recipe, plane.recipe)
            XCTAssertEqual(back.radius, plane.radius)
            let raw = try Safetensors.read(path: path)
            XCTAssertEqual(raw.metadata["plane_kind"], plane.kind.rawValue)
            XCTAssertEqual(raw.metadata["format"], "losspatterns-plane")
            XCTAssertEqual(raw.metadata["parameters"], ParameterLayout(.small).table, "the checkpoints' net keys, for Python")
            // An MPO reader refuses it, saying what it is.
            XCTAssertThrowsError(try Checkpoint.read(path: path)) { error in
                XCTAssertTrue("\(error)".hasPrefix(path), "\(error)")
                XCTAssertTrue("\(error)".contains("fixed \(plane.kind.rawValue) plane"), "\(error)")
            }
        }
    }

    /// An MPO plane saved before plane kinds existed (no `plane_kind` key) opens unchanged, and a
    /// new MPO save says its kind.
    func testAnOldFormatPlaneStillOpens() throws {
        let config = TrainingConfig.tiny
        let pattern = Pattern.ring(size: 8)
        var rng = Xoshiro256(seed: 3)
        let plane = Plane(layout: ParameterLayout(config.net), height: 8, width: 8, rng: &rng)
        let adam = Adam(count: plane.parameters.count, learningRate: config.learningRate)
        let checkpoint = Checkpoint(config: config, pattern: pattern, state: Trainer.State(plane: plane, adam: adam, rng: rng))
        var file = checkpoint.file
        XCTAssertEqual(file.metadata["plane_kind"], "mpo")
        file.metadata["plane_kind"] = nil
        let path = temporary("old.safetensors")
        try file.write(to: path)
        guard case .mpo(let back) = try PlaneFile.read(path: path) else { return XCTFail("an old plane read as a direction plane") }
        XCTAssertEqual(back.state.plane.parameters, plane.parameters)
        XCTAssertEqual(try Checkpoint.read(path: path).pattern, pattern)
        // the same surface either way
        XCTAssertEqual(PlaneFile.mpo(back).surface.weights(row: 2, col: 3), plane.point(row: 2, col: 3))
    }

    func testUnknownKindsAndDamageAreRefusedNamingTheFile() throws {
        let plane = try planes()[1]
        func refused(_ change: (inout Safetensors) -> Void, _ expected: String, line: UInt = #line) throws {
            var file = plane.file
            change(&file)
            let path = temporary("bad.safetensors")
            try file.write(to: path)
            XCTAssertThrowsError(try PlaneFile.read(path: path), line: line) { error in
                XCTAssertTrue("\(error)".hasPrefix(path), "\(error)", line: line)
                XCTAssertTrue("\(error)".contains(expected), "\(error)", line: line)
            }
        }
        try refused({ $0.metadata["plane_kind"] = "hyperbolic" }, "plane kind \"hyperbolic\" is not one this program knows")
        try refused({ $0.metadata["net_spec"] = "{}" }, "net")
        try refused({ $0.tensors["direction_2"] = .init([Float](repeating: 0, count: 10)) }, "direction_2")
        try refused({ $0.tensors["origin"] = .init([Float](repeating: .nan, count: plane.parameterCount)) }, "NaN")
        try refused({ $0.metadata["markers"] = "[{\"name\":\"A\",\"alpha\":1e300,\"beta\":0}]" }, "markers")
        try refused({ $0.metadata["variance_explained"] = "0.9,0.8" }, "variance_explained")
        try refused({ $0.metadata["format_version"] = "9" }, "newer")
        try refused({ $0.metadata["eigenvalues"] = "12.5,nan" }, "eigenvalues")
        try refused({ $0.metadata["eigenvalues"] = "1,2,3" }, "eigenvalues")
        XCTAssertThrowsError(try PlaneFile.read(path: {
            let path = temporary("good.safetensors")
            try! plane.write(to: path)
            return path
        }(), expecting: .paper)) { XCTAssertTrue("\($0)".contains("made for another net"), "\($0)") }
    }
}
