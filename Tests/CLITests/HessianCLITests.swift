import Engine
import Foundation
import MPO
import TestSupport
import XCTest

/// `mpo hessian` and `mpo plane hessian` as a user runs them, on a net fitted for the test; what
/// they print and write is checked against what must hold whatever the numbers: eigenvalues in
/// order, a block's top eigenvalue below the whole Hessian's (Cauchy interlacing), a plane's
/// directions unit, orthogonal and eigenvectors of the Hessian computed afresh from the file.
extension CLITests {
    /// A tiny net fitted briefly (P = 1250).
    func fittedTiny(_ dir: String, seed: Int = 1) throws -> String {
        let path = dir + "/m\(seed).safetensors"
        let r = try run(["fit", "--net", "tiny", "--batch", "32", "--lr", "0.003", "--train-images", "2000", "--test-images", "200",
                         "--steps", "40", "--seed", String(seed), "--save", path])
        XCTAssertEqual(r.status, 0, r.error)
        return path
    }

    func json(_ text: String) throws -> [String: Any] {
        let line = try XCTUnwrap(text.split(separator: "\n").last { $0.hasPrefix("{") }, text)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))
    }

    func testHessianReportsEigenvaluesTraceLayersDensityAndBatchNoise() throws {
        let dir = try temporaryFolder().path
        let model = try fittedTiny(dir)
        let png = dir + "/density.png"
        let r = try run(["hessian", model, "--eval-images", "200", "--top", "3", "--trace-samples", "8", "--batches", "2", "--per-layer",
                         "--density", "--density-steps", "30", "--out", png, "--json"])
        XCTAssertEqual(r.status, 0, r.error)
        let j = try json(r.output)
        let values = try XCTUnwrap(j["eigenvalues"] as? [Double], r.output)
        XCTAssertEqual(values.count, 3)
        XCTAssertEqual(values, values.sorted(by: >), "largest first")
        XCTAssertGreaterThan(values[0], 0, "a fitted net's sharpest direction curves up")
        let batches = try XCTUnwrap(j["batch_eigenvalues"] as? [[Double]])
        XCTAssertEqual(batches.count, 2)
        XCTAssertNotEqual(batches[0], batches[1], "disjoint batches")
        let std = try XCTUnwrap(j["eigenvalues_std"] as? [Double])
        for i in 0..<3 {
            XCTAssertEqual(values[i], (batches[0][i] + batches[1][i]) / 2, accuracy: 1e-6 * abs(values[i]))
            XCTAssertEqual(std[i], abs(batches[0][i] - batches[1][i]) / 2.squareRoot(), accuracy: 1e-6 * abs(values[i]) + 1e-12)
        }
        XCTAssertNotNil(j["trace"] as? Double)
        XCTAssertEqual(j["parameters"] as? Int, 1250)
        XCTAssertEqual(j["converged"] as? Bool, true)
        let layers = try XCTUnwrap(j["per_layer"] as? [[String: Any]])
        XCTAssertEqual(layers.compactMap { $0["name"] as? String }, ["0.weight", "5.weight", "7.weight"])
        for layer in layers {
            // a principal block's top eigenvalue is at most the whole matrix's (first batch: batch_eigenvalues[0])
            let value = try XCTUnwrap(layer["eigenvalue"] as? Double)
            XCTAssertLessThanOrEqual(value, batches[0][0] * (1 + 1e-4), "\(layer)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: png)).prefix(4), Data([0x89, 0x50, 0x4E, 0x47]))

        let text = try run(["hessian", model, "--eval-images", "200", "--density", "--density-steps", "20", "--out", dir + "/density.csv"])
        XCTAssertEqual(text.status, 0, text.error)
        XCTAssertTrue(text.output.contains("λ1 = "), text.output)
        let csv = try String(contentsOfFile: dir + "/density.csv", encoding: .utf8)
        XCTAssertTrue(csv.contains("\neigenvalue,density\n"), String(csv.prefix(300)))
    }

    /// The origin of a random plane is its model, so the Hessian there is the model's, bit for bit.
    func testHessianAtAPlanePointIsItsModels() throws {
        let dir = try temporaryFolder().path
        let model = try fittedTiny(dir)
        let plane = try run(["plane", "random", model, "--save", dir + "/random.safetensors"])
        XCTAssertEqual(plane.status, 0, plane.error)
        let direct = try run(["hessian", model, "--eval-images", "100", "--json"])
        let there = try run(["hessian", dir + "/random.safetensors", "--at", "0,0", "--eval-images", "100", "--json"])
        let away = try run(["hessian", dir + "/random.safetensors", "--at=-0.5,0.25", "--eval-images", "100", "--json"])
        for r in [direct, there, away] { XCTAssertEqual(r.status, 0, r.error) }
        let a = try XCTUnwrap(try json(direct.output)["eigenvalues"] as? [Double]), b = try XCTUnwrap(try json(there.output)["eigenvalues"] as? [Double])
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(try json(away.output)["eigenvalues"] as? [Double], a)
    }

    func testHessianPlaneHoldsUnitOrthogonalEigenvectors() throws {
        let dir = try temporaryFolder().path
        let model = try fittedTiny(dir)
        let path = dir + "/h.safetensors"
        let made = try run(["plane", "hessian", model, "--eval-images", "300", "--save", path])
        XCTAssertEqual(made.status, 0, made.error)
        XCTAssertTrue(made.output.contains("hessian plane: top Hessian eigenvectors, λ1 "), made.output)
        let plane = try DirectionPlane.read(path: path)
        XCTAssertEqual(plane.kind, .hessian)
        XCTAssertEqual(plane.eigenvalues.count, 2)
        XCTAssertGreaterThanOrEqual(plane.eigenvalues[0], plane.eigenvalues[1])
        func dot(_ x: [Float], _ y: [Float]) -> Double { zip(x, y).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
        XCTAssertEqual(dot(plane.direction1, plane.direction1), 1, accuracy: 1e-5)
        XCTAssertEqual(dot(plane.direction2, plane.direction2), 1, accuracy: 1e-5)
        XCTAssertEqual(dot(plane.direction1, plane.direction2), 0, accuracy: 1e-4)
        XCTAssertEqual(plane.origin, try ModelFile.read(path: model).weights)
        // H d = λ d, with H computed here from the file's origin on the same 300 training images
        let images = try DatasetKind.fashionMNIST.load(.train).prefix(300)
        let product = try HessianVectorProduct(net: plane.net, weights: plane.origin, data: images)
        for (d, lambda) in zip([plane.direction1, plane.direction2], plane.eigenvalues) {
            let hd = product.apply(d)
            let residual = zip(hd, d).reduce(0) { $0 + pow(Double($1.0) - lambda * Double($1.1), 2) }.squareRoot()
            XCTAssertLessThan(residual, 1e-3 * plane.eigenvalues[0], "|H d - λ d| for λ = \(lambda)")
        }
        // the view reaches where ½λ1α² has risen by 1, tidied up (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k)
        let reach = (2 / plane.eigenvalues[0]).squareRoot()
        XCTAssertGreaterThanOrEqual(plane.radius, min(1, reach))
        XCTAssertLessThan(plane.radius, max(1, 1.34 * reach))

        let info = try run(["info", path])
        XCTAssertEqual(info.status, 0, info.error)
        XCTAssertTrue(info.output.contains("hessian plane (top Hessian eigenvectors"), info.output)
        XCTAssertTrue(info.output.contains("Hessian eigenvalues "), info.output)
        let render = try run(["render", path, "--eval-images", "100", "--out", dir + "/h.csv"])
        XCTAssertEqual(render.status, 0, render.error)
        XCTAssertTrue(render.output.contains("Hessian eigenvalues: λ1 "), render.output)
        XCTAssertTrue(render.output.contains("over 51x51 samples"), render.output)
    }

    func testHessianRefusesHostileValuesInOneLine() throws {
        let dir = try temporaryFolder().path
        let model = (try fittedTiny(dir) as NSString).lastPathComponent, small = "small.safetensors"  // names, run in dir: messages show them whole
        // P = 30: conv 1->1 (10) and a linear 1->10 (20)
        let fit = try run(["fit", "--net", "conv 1; avgpool 1", "--steps", "1", "--train-images", "100", "--test-images", "10", "--save", dir + "/" + small])
        XCTAssertEqual(fit.status, 0, fit.error)
        let plane = try run(["plane", "random", model, "--save", "./plane.safetensors"], directory: dir)
        XCTAssertEqual(plane.status, 0, plane.error)
        _ = FileManager.default.createFile(atPath: dir + "/garbage.safetensors", contents: Data("not a safetensors file at all".utf8))

        let cases: [([String], String)] = [
            ([model, "--top", "0"], "--top 0: must be 1...1000"),
            ([small, "--top", "31", "--eval-images", "10"], "--top 31: is more than the net's 30 parameters"),
            ([model, "--tolerance", "nan"], "--tolerance nan: must be a finite number"),
            ([model, "--tolerance=-1"], "--tolerance -1.0: must be above 0"),
            ([model, "--eval-images=-5"], "--eval-images -5: must be 1...60000"),
            ([model, "--split", "valid"], "--split 'valid': use one of train, test"),
            ([model, "--hvp", "magic"], "--hvp 'magic': use one of exact, differences"),
            ([model, "--batches", "100", "--eval-images", "1000"], "the train split has 60000"),
            ([model, "--out", "d.png"], "--out: it is where --density writes"),
            (["missing.safetensors"], "model 'missing.safetensors': "),
            (["garbage.safetensors"], "model 'garbage.safetensors': "),
            ([model, "--at", "1,2"], "not a plane"),
            (["plane.safetensors"], "is a plane, not a model: name a point of it with --at"),
        ]
        for (arguments, message) in cases {
            let r = try run(["hessian"] + arguments, directory: dir)
            XCTAssertEqual(r.status, 64, "\(arguments): \(r.error)")
            let lines = r.error.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(arguments): \(r.error)")
            XCTAssertTrue(r.error.hasPrefix("Error: ") && r.error.contains(message), "\(arguments): \(r.error)")
        }
    }
}
