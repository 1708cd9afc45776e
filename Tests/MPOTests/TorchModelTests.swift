import Engine
import Foundation
@testable import MPO
import TestSupport
import XCTest

/// PyTorch state_dicts opened as models: the nets of scripts/make-torch-model.py, scored by the
/// engine against PyTorch's own loss on the same 1,000 FashionMNIST test images.
final class TorchModelTests: XCTestCase {
    static let folder = packageRootFolder + "/Tests/Fixtures/torch"

    struct Reference: Decodable {
        var net: String
        var images: Int
        var loss: Double
        var accuracy: Double
    }

    static func reference(_ name: String) throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(name).json")))
    }

    static let test: Dataset? = try? DatasetKind.fashionMNIST.load(.test)

    /// The engine's loss on the reference's images, in fp32 (the reference path), BatchNorm nets
    /// seeing all the images as one batch as PyTorch's train mode did.
    func score(_ name: String) throws -> (engine: (loss: Double, accuracy: Double), pytorch: Reference) {
        let test = try XCTUnwrap(Self.test, "FashionMNIST is needed at \(DatasetKind.debianFashionMNIST)")
        let reference = try Self.reference(name)
        let net = try ModelSpec(parsing: reference.net)
        let model = try ModelFile.read(path: "\(Self.folder)/\(name).safetensors", net: net)
        XCTAssertEqual(model.net, net)
        let images = test.prefix(reference.images)
        let evaluator = try Evaluator(net: net, data: images, workers: 2, compute: Compute(precision: .fp32))
        return (evaluator.evaluate([model.weights])[0], reference)
    }

    func testPaperNetScoresAsInPyTorch() throws {
        let (engine, pytorch) = try score("paper-net")
        XCTAssertEqual(engine.loss, pytorch.loss, accuracy: 1e-4 * pytorch.loss, "mean cross-entropy")
        XCTAssertEqual(engine.accuracy, pytorch.accuracy, accuracy: 1.0 / 1000, "at most one near-tie may flip")
        XCTAssertLessThan(pytorch.loss, 1.0, "the fixture is a trained net, not a random one")
    }

    /// BatchNorm weights are gamma in PyTorch and gamma - 1 in the engine; the running buffers
    /// are read beside them (the fixture was scored in train mode: batch statistics, the
    /// evaluator's default; BNStatsParityTests checks eval mode); the Sequential's indices past
    /// 10 are put back in order.
    func testBatchNormNetScoresAsPyTorchInTrainMode() throws {
        let (engine, pytorch) = try score("bn-net")
        XCTAssertEqual(engine.loss, pytorch.loss, accuracy: 1e-4 * pytorch.loss, "mean cross-entropy")
        XCTAssertEqual(engine.accuracy, pytorch.accuracy, accuracy: 1.0 / 1000)
        let file = try Safetensors.read(path: "\(Self.folder)/bn-net.safetensors")
        XCTAssertNotNil(file.tensors["body.12.weight"])
        let model = try ModelFile.read(path: "\(Self.folder)/bn-net.safetensors", net: ModelSpec(parsing: try Self.reference("bn-net").net))
        let layout = ParameterLayout(model.net)
        let gamma = try file.tensor("body.13.weight", in: "bn-net").floats()
        XCTAssertEqual(Array(model.weights[layout.entry(named: "13.weight")!.range]), gamma.map { $0 - 1 })
        let statistics = StatisticsLayout(model.net)
        let last = try XCTUnwrap(statistics.entries.last)
        XCTAssertEqual(last.module, 13)
        XCTAssertEqual(Array(try XCTUnwrap(model.statistics)[last.varianceRange]), try file.tensor("body.13.running_var", in: "bn-net").floats())
    }

    func testANetNamedInTheMetadataNeedsNoNetArgument() throws {
        var file = try Safetensors.read(path: "\(Self.folder)/paper-net.safetensors")
        file.metadata["net"] = "conv 8,32,64 pool; dense 128"
        let path = temporary("described.safetensors")
        try file.write(to: path)
        let model = try ModelFile.read(path: path)
        XCTAssertEqual(model.net, .paper)
        XCTAssertEqual(model.weights, try ModelFile.read(path: "\(Self.folder)/paper-net.safetensors", net: .paper).weights)
        XCTAssertEqual(Array(model.weights.prefix(72)), try file.tensor("features.conv1.weight", in: path).floats())
    }

    func testMismatchesAreRefusedWithATable() throws {
        let original = "\(Self.folder)/paper-net.safetensors"
        XCTAssertThrowsError(try ModelFile.read(path: original)) { error in
            XCTAssertTrue("\(error)".hasPrefix(original), "\(error)")
            XCTAssertTrue("\(error)".contains("does not say its net; give it with --net"), "\(error)")
        }
        // One tensor of another shape: its row is marked, the others are not.
        var file = try Safetensors.read(path: original)
        let t = file.tensors["features.conv2.weight"]!
        file.tensors["features.conv2.weight"] = Safetensors.Tensor(dtype: t.dtype, shape: [32, 8, 9], data: t.data)
        let path = temporary("reshaped.safetensors")
        try file.write(to: path)
        XCTAssertThrowsError(try ModelFile.read(path: path, net: .paper)) { error in
            let lines = "\(error)".split(separator: "\n").map(String.init)
            XCTAssertTrue(lines[0].hasPrefix(path + ": its tensors do not match the net"), lines[0])
            XCTAssertTrue(lines[0].contains("1 of 10 rows differ"), lines[0])
            let marked = lines.filter { $0.hasPrefix("  x  ") }
            XCTAssertEqual(marked.count, 1, "\(error)")
            XCTAssertTrue(marked[0].contains("3.weight [32, 8, 3, 3]") && marked[0].contains("features.conv2.weight [32, 8, 9] F32"), marked[0])
            XCTAssertEqual(lines.count, 2 + 10)
        }
        // Another net: every row from the first that differs is marked.
        XCTAssertThrowsError(try ModelFile.read(path: original, net: .small)) { error in
            XCTAssertTrue("\(error)".contains("x  0.weight [4, 1, 3, 3]"), "\(error)")
        }
        // A tensor too many (not a BN buffer) is a row of its own.
        file = try Safetensors.read(path: original)
        file.tensors["extra.scale"] = .init([Float(1)])
        try file.write(to: path)
        XCTAssertThrowsError(try ModelFile.read(path: path, net: .paper)) { error in
            XCTAssertTrue("\(error)".contains("x  -"), "\(error)")
            XCTAssertTrue("\(error)".contains("extra.scale [1] F32"), "\(error)")
        }
    }

    func testNamesSortInTheOrderPyTorchGaveThem() {
        let names = ["body.10", "body.2", "features.conv10", "features.conv9", "a1b2", "a1b10", "x"]
        XCTAssertEqual(names.sorted(by: TorchStateDict.naturalLess), ["a1b2", "a1b10", "body.2", "body.10", "features.conv9", "features.conv10", "x"])
    }
}
