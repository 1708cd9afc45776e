import Engine
@testable import MPO
import Foundation
import TestSupport
import XCTest

/// The PyTorch companion (`python/losspatterns`) and this engine agree: the companion writes
/// parity cases of the fixtures' `mpo` kind (`python -m losspatterns fixture`: a plane, sampled
/// cells and a minibatch, with its own per-cell losses, objective and whole plane gradient, all
/// computed in float32), and the engine's Trainer recomputes them in fp32 on 1 and 2 workers.
/// Cases: the paper net, the BN experiment's six-BN-layer net, two clipped ones (the clamp
/// placed between bad cells' losses, so some bad cells pass no gradient), and the live preset's
/// per-image clamp (placed among the bad cells' image losses, so some images drop out).
///
/// Tolerance (issue 14): objective and per-cell losses within 1e-4 relative; every gradient
/// vector, and the whole [3P + 1] gradient, at cosine >= 0.9999 and norm within 1e-4. The one
/// scalar, d/d scale = <up, sum a g> + <right, sum b g>, is a projection with cancellation: on
/// the six-BN-layer net each fp32 program is 2.8e-3 off float64 there while the two agree to
/// ~1.2e-4, so it is held to the fixtures' 1e-3 (it is inside the whole gradient's check too).
///
/// Needs the project's virtual environment with PyTorch (`make venv`, or `make companion-test`);
/// skipped with the reason when it is missing. `MPO_COMPANION_PYTHON` names another interpreter.
final class CompanionParityTests: XCTestCase {
    static let valueTolerance = 1e-4, cosineTolerance = 0.9999, normTolerance = 1e-4, scaleTolerance = 1e-3

    static var python: String {
        if let p = ProcessInfo.processInfo.environment["MPO_COMPANION_PYTHON"], !p.isEmpty { return p }
        return packageRootFolder + "/.venv/bin/python"
    }

    func testCompanionCasesAgreeWithTheEngine() throws {
        let python = Self.python
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: python),
                          "no Python at \(python): run `make venv` (PyTorch from PyPI into .venv) to check the companion")
        let dir = try temporaryFolder().path
        let env = ["PYTHONPATH": packageRootFolder + "/python", "OMP_NUM_THREADS": "2"]
        let probe = try ChildProcess(python, ["-c", "import torch, numpy, safetensors"], environment: env, output: dir + "/probe.txt")
        try XCTSkipUnless(probe.wait(timeout: 120) == 0,
                          "\(python) cannot import torch, numpy and safetensors (\(probe.output.suffix(300))): run `make venv`")
        let run = try ChildProcess(python, ["-m", "losspatterns", "fixture", "--out", dir, "--case", "all"],
                                   environment: env, output: dir + "/fixture.txt")
        XCTAssertEqual(run.wait(timeout: 600), 0, "the companion failed to write its cases:\n\(run.output)")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".safetensors") }.sorted()
        XCTAssertEqual(names, ["companion-paper-bn.safetensors", "companion-paper-clipped.safetensors",
                               "companion-paper-image-clipped.safetensors", "companion-paper.safetensors",
                               "companion-small-bn-clipped.safetensors"])
        for name in names { try check((dir as NSString).appendingPathComponent(name)) }
    }

    func check(_ path: String) throws {
        let name = (path as NSString).lastPathComponent
        let f = try Safetensors.read(path: path)
        let m = f.metadata
        XCTAssertEqual(m["kind"], "mpo", name)
        func ints(_ key: String) throws -> [Int] {
            guard let s = m[key] else { throw DataError(path, "metadata \(key) missing") }
            return s.split(separator: ",").compactMap { Int($0) }
        }
        let spec = ModelSpec(
            inputShape: try ints("input_shape"), convChannels: try ints("conv_channels"), dense: try ints("dense"),
            batchNorm: m["batch_norm"] == "true", maxPool: m["max_pool"] == "true",
            adaptivePool: try ints("adaptive_pool")[0], classes: try ints("classes")[0])
        let layout = ParameterLayout(spec)
        XCTAssertEqual(layout.table, m["parameters"], "\(name): the companion's parameter table is the engine's")
        let labels = try f.tensor("labels", in: path).int64s().map { Int32($0) }
        let images = try f.tensor("input", in: path).floats()
        let pt = try f.tensor("pattern", in: path)
        let pattern = Pattern(width: pt.shape[1], height: pt.shape[0], bits: pt.int64s().map { $0 != 0 ? 1 : 0 }, name: name)
        func cells(_ key: String) throws -> [Cell] {
            let v = try f.tensor(key, in: path).int64s()
            return stride(from: 0, to: v.count, by: 2).map { Cell(row: Int(v[$0]), col: Int(v[$0 + 1])) }
        }
        let good = try cells("good_cells"), bad = try cells("bad_cells")
        let p = layout.count
        let parameters = try f.tensor("origin", in: path).floats() + f.tensor("right_param", in: path).floats()
            + f.tensor("up_param", in: path).floats() + f.tensor("scale", in: path).floats()
        XCTAssertEqual(parameters.count, 3 * p + 1, "\(name): plane size")
        var config = TrainingConfig.tiny
        config.net = spec
        config.batchSize = labels.count
        config.cells = max(good.count, bad.count)
        config.clip = Float(m["clip"].flatMap(Double.init) ?? 2.5)
        config.clamp = m["clamp"].flatMap(Clamp.init(rawValue:)) ?? .batch
        config.compute = Compute(precision: .fp32)
        let data = Dataset(name: name, shape: spec.inputShape, classes: spec.classes, images: images, labels: labels)
        let plane = Plane(count: p, parameters: parameters, height: pattern.height, width: pattern.width)
        let state = Trainer.State(plane: plane, adam: Adam(count: 3 * p + 1, learningRate: 0), rng: Xoshiro256(seed: 0))
        let wantGood = try f.tensor("good_losses", in: path).doubles(), wantBad = try f.tensor("bad_losses", in: path).doubles()
        let clamped = wantBad.filter { $0 > Double(config.clip) }.count
        if config.clamp == .image {
            let images = try f.tensor("bad_image_losses", in: path).doubles()
            let past = images.filter { $0 > Double(config.clip) }.count
            XCTAssert(past > 0 && past < images.count, "\(name): the clamp \(config.clip) should cut some images, not all (\(past) of \(images.count))")
        } else if name.contains("clipped") {
            XCTAssert(clamped > 0 && clamped < bad.count, "\(name): the clamp \(config.clip) should cut some bad cells, not all (\(clamped) of \(bad.count))")
        } else {
            XCTAssertEqual(clamped, 0, "\(name): no bad cell should reach the clamp \(config.clip)")
        }
        let want = try ["grad_origin", "grad_right_param", "grad_up_param", "grad_scale"].flatMap { try f.tensor($0, in: path).doubles() }
        for workers in [1, 2] {
            let trainer = try Trainer(config: config, pattern: pattern, train: data, workers: workers, state: state)
            trainer.setBatch(images: images, labels: labels)
            let (gradient, summary, perCell) = trainer.gradient(cells: good + bad, goodCount: good.count)
            let tag = "\(name) [\(workers) worker(s)]"
            relative(Array(perCell.losses[0..<good.count]), wantGood, "\(tag) good_losses")
            relative(Array(perCell.losses[good.count...]), wantBad, "\(tag) bad_losses")
            relative([summary.objective], try f.tensor("objective", in: path).doubles(), "\(tag) objective")
            let g = gradient.map(Double.init)
            vector(Array(g[0..<p]), Array(want[0..<p]), "\(tag) grad_origin")
            vector(Array(g[p..<(2 * p)]), Array(want[p..<(2 * p)]), "\(tag) grad_right_param")
            vector(Array(g[(2 * p)..<(3 * p)]), Array(want[(2 * p)..<(3 * p)]), "\(tag) grad_up_param")
            // The scale's gradient is two fp32 dot products over P (200k terms on paper-bn): its own
            // rounding reaches ~1e-4 relative, so alone it gets the fixtures' 1e-3; as one entry of
            // the whole plane gradient below it is held to the 1e-4 norm error.
            relative([g[3 * p]], [want[3 * p]], "\(tag) grad_scale", tolerance: Self.scaleTolerance)
            vector(g, want, "\(tag) whole plane gradient [3P + 1]")
        }
    }

    func relative(_ got: [Double], _ want: [Double], _ what: String, tolerance: Double = CompanionParityTests.valueTolerance,
                  file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, "\(what): count", file: file, line: line)
        let scale = max(want.map(abs).max() ?? 0, 1e-6)
        let worst = zip(got, want).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst / scale, tolerance, "\(what): max error \(worst) vs scale \(scale)", file: file, line: line)
        if ProcessInfo.processInfo.environment["MPO_PARITY_VERBOSE"] != nil {
            print(String(format: "companion parity %@: max relative error %.2e", what, worst / scale))
        }
    }

    func vector(_ got: [Double], _ want: [Double], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, "\(what): count", file: file, line: line)
        let dot = zip(got, want).map(*).reduce(0, +)
        let ng = got.map { $0 * $0 }.reduce(0, +).squareRoot(), nw = want.map { $0 * $0 }.reduce(0, +).squareRoot()
        let cosine = (ng == 0 && nw == 0) ? 1 : dot / max(ng * nw, 1e-300)
        let normError = abs(ng - nw) / max(nw, 1e-12)
        XCTAssertGreaterThanOrEqual(cosine, Self.cosineTolerance, "\(what): cosine \(cosine)", file: file, line: line)
        XCTAssertLessThanOrEqual(normError, Self.normTolerance, "\(what): norm \(ng) vs \(nw)", file: file, line: line)
        if ProcessInfo.processInfo.environment["MPO_PARITY_VERBOSE"] != nil {
            print(String(format: "companion parity %@: cosine 1-%.2e, relative norm error %.2e", what, 1 - cosine, normError))
        }
    }
}
