import Engine
@testable import MPO
import Foundation
import TestSupport
import XCTest

/// Runs every `*.safetensors` parity case in the fixture directory (`MPO_FIXTURE_DIR`, default
/// `../shared/fixtures` from the package root) according to its `kind`. New fixtures dropped into
/// the folder are checked without code changes; a fixture of an unknown kind fails.
final class FixtureTests: XCTestCase {
    /// `MPO_FIXTURE_DIR`, else `shared/fixtures` beside the package root or beside any folder
    /// above it (a clone may live anywhere), else the workplace's `/work/shared/fixtures`.
    static var fixtureDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["MPO_FIXTURE_DIR"], !dir.isEmpty { return dir }
        return sharedFolder("fixtures") ?? "/work/shared/fixtures"
    }

    /// fp32 on every ISA level this CPU runs (portable, avx2, avx512, ...): each path is the reference.
    func testEveryFixture() throws {
        for isa in ISA.supported { try checkEveryFixture(Compute(isa: isa, precision: .fp32)) }
    }

    /// The bf16 path (bfloat16 products, fp32 sums) against the same float64 PyTorch numbers, with
    /// its stated tolerance: values within 5e-2 relative, gradients at cosine >= 0.99 and norms
    /// within 5e-2. Products carry ~2^-9 relative rounding; BatchNorm over the fixtures' 2-6 image
    /// batches amplifies it most (worst seen: cosine 0.993 on the six-BN-layer net).
    func testEveryFixtureInBF16() throws {
        try XCTSkipUnless(ISA.avx512bf16.isSupported, "no AVX512_BF16 on this CPU: the bf16 path runs only where it is fast")
        Compare.tolerance = .bf16
        defer { Compare.tolerance = .fp32 }
        try checkEveryFixture(Compute(isa: .avx512bf16, precision: .bf16))
    }

    func checkEveryFixture(_ compute: Compute) throws {
        Compare.label = compute.description
        defer { Compare.label = "" }
        let dir = Self.fixtureDirectory
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".safetensors") }.sorted()
        XCTAssertFalse(names.isEmpty, "no fixtures in \(dir)")
        for name in names {
            let path = (dir as NSString).appendingPathComponent(name)
            let fixture = try Safetensors.read(path: path)
            switch fixture.metadata["kind"] {
            case "model":
                try checkModel(fixture, path: path, compute: compute)
            case "mpo":
                try checkMPO(fixture, path: path, compute: compute)
            case let other:
                XCTFail("\(name): unknown fixture kind \(other ?? "nil")")
            }
        }
    }

    func checkModel(_ f: Safetensors, path: String, compute: Compute) throws {
        let (spec, network) = try Self.network(for: f, path: path, batch: f.tensor("labels", in: path).count, compute: compute)
        let images = try f.tensor("input", in: path).floats()
        let labels = try f.tensor("labels", in: path).int64s().map { Int32($0) }
        let weights = try f.tensor("weights", in: path).floats()
        XCTAssertEqual(weights.count, network.layout.count, "\(path): P")
        var gradient = [Float](repeating: 0, count: weights.count)
        let (loss, _) = network.lossAndGradient(images: images, labels: labels, weights: weights, gradient: &gradient)
        let logits = Array(UnsafeBufferPointer(start: network.logits, count: labels.count * spec.classes)).map(Double.init)
        let name = "\((path as NSString).lastPathComponent) [\(compute)]"
        Compare.relative(logits, try f.tensor("logits", in: path).doubles(), tolerance: 1e-3, "\(name) logits")
        Compare.relative([loss], try f.tensor("loss", in: path).doubles(), tolerance: 1e-3, "\(name) loss")
        Compare.gradient(gradient.map(Double.init), try f.tensor("grad_weights", in: path).doubles(), "\(name) grad_weights")
    }

    /// The net a fixture describes, checked against its parameter table.
    static func network(for f: Safetensors, path: String, batch: Int, compute: Compute = .default) throws -> (ModelSpec, Network) {
        let m = f.metadata
        func ints(_ key: String) throws -> [Int] {
            guard let s = m[key] else { throw DataError(path, "metadata \(key) missing") }
            return s.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        }
        let spec = ModelSpec(
            inputShape: try ints("input_shape"), convChannels: try ints("conv_channels"), dense: try ints("dense"),
            batchNorm: m["batch_norm"] == "true", maxPool: m["max_pool"] == "true",
            adaptivePool: try ints("adaptive_pool")[0], classes: try ints("classes")[0])
        let network = try Network(spec: spec, capacity: batch, compute: compute)
        XCTAssertEqual(network.layout.table, m["parameters"], "\(path): parameter table")
        return (spec, network)
    }
}

/// Tolerances of the fixtures' README: ~1e-3 relative on values, cosine >= 0.9999 and norms within
/// 1e-3 for gradient vectors (fp32); looser for the bf16 path.
enum Compare {
    struct Tolerance {
        var value: Double, cosine: Double, norm: Double
        static let fp32 = Tolerance(value: 1e-3, cosine: 0.9999, norm: 1e-3)
        static let bf16 = Tolerance(value: 5e-2, cosine: 0.99, norm: 5e-2)
    }
    nonisolated(unsafe) static var tolerance = Tolerance.fp32
    /// The compute being checked, for verbose output.
    nonisolated(unsafe) static var label = ""

    static func relative(_ got: [Double], _ want: [Double], tolerance: Double, _ what: String,
                         file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, "\(what): count", file: file, line: line)
        let scale = max(want.map(abs).max() ?? 0, 1e-6)
        let worst = zip(got, want).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst / scale, max(tolerance, Self.tolerance.value), "\(what): max error \(worst) vs scale \(scale)", file: file, line: line)
        if ProcessInfo.processInfo.environment["MPO_PARITY_VERBOSE"] != nil {
            print(String(format: "parity %@ %@: max relative error %.2e", label, what, worst / scale))
        }
    }

    static func gradient(_ got: [Double], _ want: [Double], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, "\(what): count", file: file, line: line)
        let dot = zip(got, want).map(*).reduce(0, +)
        let ng = got.map { $0 * $0 }.reduce(0, +).squareRoot(), nw = want.map { $0 * $0 }.reduce(0, +).squareRoot()
        let cosine = (ng == 0 && nw == 0) ? 1 : dot / max(ng * nw, 1e-300)
        XCTAssertGreaterThanOrEqual(cosine, tolerance.cosine, "\(what): cosine \(cosine)", file: file, line: line)
        XCTAssertLessThanOrEqual(abs(ng - nw) / max(nw, 1e-12), tolerance.norm, "\(what): norm \(ng) vs \(nw)", file: file, line: line)
        if ProcessInfo.processInfo.environment["MPO_PARITY_VERBOSE"] != nil {
            print(String(format: "parity %@ %@: cosine 1-%.2e, norm ratio %.6f", label, what, 1 - cosine, ng / max(nw, 1e-300)))
        }
    }
}

extension FixtureTests {
    /// Kind `mpo`: one objective evaluation of a plane on given cells and batch.
    func checkMPO(_ f: Safetensors, path: String, compute: Compute) throws {
        let name = (path as NSString).lastPathComponent
        let labels = try f.tensor("labels", in: path).int64s().map { Int32($0) }
        let (spec, network) = try Self.network(for: f, path: path, batch: labels.count, compute: compute)
        let images = try f.tensor("input", in: path).floats()
        let patternTensor = try f.tensor("pattern", in: path)
        let pattern = Pattern(
            width: patternTensor.shape[1], height: patternTensor.shape[0],
            bits: patternTensor.int64s().map { UInt8($0 != 0 ? 1 : 0) }, name: name)
        func cells(_ key: String) throws -> [Cell] {
            let v = try f.tensor(key, in: path).int64s()
            return stride(from: 0, to: v.count, by: 2).map { Cell(row: Int(v[$0]), col: Int(v[$0 + 1])) }
        }
        let good = try cells("good_cells"), bad = try cells("bad_cells")
        let parameters = try f.tensor("origin", in: path).floats() + f.tensor("right_param", in: path).floats()
            + f.tensor("up_param", in: path).floats() + f.tensor("scale", in: path).floats()
        let p = network.layout.count
        let plane = Plane(count: p, parameters: parameters, height: pattern.height, width: pattern.width)
        var config = TrainingConfig.tiny
        config.net = spec
        config.batchSize = labels.count
        config.cells = max(good.count, bad.count)
        config.clip = Float(f.metadata["clip"].flatMap(Double.init) ?? 2.5)
        config.compute = compute
        let data = Dataset(name: name, shape: spec.inputShape, classes: spec.classes, images: images, labels: labels)
        let state = Trainer.State(plane: plane, adam: Adam(count: 3 * p + 1, learningRate: 0), rng: Xoshiro256(seed: 0))
        for workers in [1, 2] {
            let trainer = try Trainer(config: config, pattern: pattern, train: data, workers: workers, state: state)
            trainer.setBatch(images: images, labels: labels)
            let (gradient, summary, perCell) = trainer.gradient(cells: good + bad, goodCount: good.count)
            let tag = "\(name) [\(workers) worker(s), \(compute)]"
            Compare.relative(Array(perCell.losses[0..<good.count]), try f.tensor("good_losses", in: path).doubles(), tolerance: 1e-3, "\(tag) good_losses")
            Compare.relative(Array(perCell.losses[good.count...]), try f.tensor("bad_losses", in: path).doubles(), tolerance: 1e-3, "\(tag) bad_losses")
            Compare.relative([summary.objective], try f.tensor("objective", in: path).doubles(), tolerance: 1e-3, "\(tag) objective")
            let g = gradient.map(Double.init)
            Compare.gradient(Array(g[0..<p]), try f.tensor("grad_origin", in: path).doubles(), "\(tag) grad_origin")
            Compare.gradient(Array(g[p..<(2 * p)]), try f.tensor("grad_right_param", in: path).doubles(), "\(tag) grad_right_param")
            Compare.gradient(Array(g[(2 * p)..<(3 * p)]), try f.tensor("grad_up_param", in: path).doubles(), "\(tag) grad_up_param")
            Compare.relative([g[3 * p]], try f.tensor("grad_scale", in: path).doubles(), tolerance: 1e-3, "\(tag) grad_scale")
        }
    }
}
