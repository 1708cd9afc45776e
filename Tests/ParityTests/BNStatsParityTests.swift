import Engine
import Foundation
@testable import MPO
import TestSupport
import XCTest

/// BatchNorm's three statistics modes against PyTorch (scripts/make-bn-stats-fixture.py): a BN net
/// trained in PyTorch, imported from its state_dict with its running buffers, scored on the
/// first 1,000 FashionMNIST test images as `model.eval()` scores it (running), in train mode
/// (batch) and after update_bn on the first N training images (recompute).
final class BNStatsParityTests: XCTestCase {
    static let folder = packageRootFolder + "/Tests/Fixtures/torch"

    struct Score: Decodable {
        var loss: Double
        var accuracy: Double
    }

    struct Recomputed: Decodable {
        var images: Int
        var loss: Double
        var accuracy: Double
    }

    struct Reference: Decodable {
        var net: String
        var images: Int
        var steps: Int
        var eval: Score
        var train: Score
        var recompute: [Recomputed]
    }

    var reference: Reference!
    var model: ModelFile!
    var test: Dataset!

    override func setUpWithError() throws {
        reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: Self.folder + "/bn-stats.json")))
        model = try ModelFile.read(path: Self.folder + "/bn-stats.safetensors")  // its metadata names the net
        let all = try XCTUnwrap(try? DatasetKind.fashionMNIST.load(.test), "FashionMNIST is needed at \(DatasetKind.debianFashionMNIST)")
        test = all.prefix(reference.images)
    }

    func evaluator(_ mode: BNStats, images: Dataset? = nil, chunk: Int? = nil) throws -> Evaluator {
        let e = try Evaluator(net: model.net, data: test, chunk: chunk, workers: 2, compute: Compute(precision: .fp32))
        try e.useStatistics(mode, images: images)
        return e
    }

    func testTheImportKeepsTheRunningBuffers() throws {
        XCTAssertEqual(model.net, try ModelSpec(parsing: reference.net))
        let s = try XCTUnwrap(model.statistics, "the state_dict's running_mean/running_var")
        let layout = StatisticsLayout(model.net)
        XCTAssertEqual(layout.entries.map(\.channels), [6, 8, 8])
        let file = try Safetensors.read(path: Self.folder + "/bn-stats.safetensors")
        for (e, name) in zip(layout.entries, ["features.bn1", "features.bn2", "features.bn3"]) {
            XCTAssertEqual(Array(s[e.meanRange]), try file.tensor(name + ".running_mean", in: "fixture").floats())
            XCTAssertEqual(Array(s[e.varianceRange]), try file.tensor(name + ".running_var", in: "fixture").floats())
        }
        XCTAssertEqual(model.batchesTracked, reference.steps)
        // Trained statistics, not the reset ones (means 0, variances 1).
        XCTAssertGreaterThan(zip(s, layout.initial).map { abs($0 - $1) }.max()!, 0.1)
    }

    /// `model.eval()`: the default for a model with running statistics; chunks change nothing.
    func testRunningStatisticsScoreAsEvalMode() throws {
        XCTAssertEqual(BNStats.standard(hasRunningStatistics: model.statistics != nil), .running)
        for chunk in [nil, 300] {
            let got = try evaluator(.running, chunk: chunk).evaluate([model.weights], statistics: [model.statistics!])[0]
            XCTAssertEqual(got.loss, reference.eval.loss, accuracy: 1e-4 * reference.eval.loss, "chunk \(chunk ?? 0)")
            XCTAssertEqual(got.accuracy, reference.eval.accuracy, accuracy: 1.0 / 1000)
        }
        // The modes differ by far more than the tolerance, so the check can tell them apart.
        XCTAssertGreaterThan(abs(reference.eval.loss - reference.train.loss), 10 * 1e-4 * reference.eval.loss)
    }

    /// PyTorch's train mode on the 1,000 images as one batch.
    func testBatchStatisticsScoreAsTrainMode() throws {
        let got = try evaluator(.batch).evaluate([model.weights])[0]
        XCTAssertEqual(got.loss, reference.train.loss, accuracy: 1e-4 * reference.train.loss)
        XCTAssertEqual(got.accuracy, reference.train.accuracy, accuracy: 1.0 / 1000)
    }

    /// update_bn on the first N training images in batches of 128: with 2048 (16 full batches)
    /// as torch.optim.swa_utils.update_bn, with 1000 (a last batch of 104, weighted by its images)
    /// as dnn-mode-connectivity's. The statistics themselves and the loss with them.
    func testRecomputeMatchesUpdateBN() throws {
        let train = try DatasetKind.fashionMNIST.load(.train)
        let saved = try Safetensors.read(path: Self.folder + "/bn-stats-recomputed.safetensors")
        let layout = StatisticsLayout(model.net)
        XCTAssertEqual(Set(reference.recompute.map(\.images)), [2048, 1000])
        for r in reference.recompute {
            let images = train.prefix(r.images)
            // The statistics at the model's weights, as the evaluator recomputes them per point.
            let network = try Network(spec: model.net, capacity: BNStats.recomputeBatch, forwardOnly: true, compute: Compute(precision: .fp32))
            var s = [Float](repeating: .nan, count: layout.count)
            images.images.withUnsafeBufferPointer { x in
                model.weights.withUnsafeBufferPointer { w in
                    s.withUnsafeMutableBufferPointer {
                        network.recomputeStatistics(images: x.baseAddress!, count: r.images, weights: w.baseAddress!, into: $0.baseAddress!)
                    }
                }
            }
            for (e, name) in zip(layout.entries, ["features.bn1", "features.bn2", "features.bn3"]) {
                let mean = try saved.tensor("\(r.images).\(name).running_mean", in: "fixture").floats()
                let variance = try saved.tensor("\(r.images).\(name).running_var", in: "fixture").floats()
                for (got, want) in zip(Array(s[e.meanRange]) + Array(s[e.varianceRange]), mean + variance) {
                    XCTAssertEqual(got, want, accuracy: 1e-4 * max(1, abs(want)), "\(r.images) images, \(name)")
                }
            }
            let got = try evaluator(.recompute, images: images).evaluate([model.weights])[0]
            XCTAssertEqual(got.loss, r.loss, accuracy: 1e-4 * r.loss, "\(r.images) images")
            XCTAssertEqual(got.accuracy, r.accuracy, accuracy: 1.0 / 1000)
        }
    }

    /// A model of ours keeps the statistics it was given: written and read back unchanged, and
    /// a file without them (an older one) still opens, with none.
    func testModelFilesKeepTheStatistics() throws {
        let path = temporary("copy.safetensors")
        try model.write(to: path)
        let back = try ModelFile.read(path: path)
        XCTAssertEqual(back.statistics, model.statistics)
        XCTAssertEqual(back.batchesTracked, model.batchesTracked)
        XCTAssertEqual(back.weights, model.weights)
        var file = try Safetensors.read(path: path)
        for key in file.tensors.keys where key.contains("running_") || key.contains("num_batches") { file.tensors[key] = nil }
        try file.write(to: path)
        let older = try ModelFile.read(path: path)
        XCTAssertNil(older.statistics)
        XCTAssertEqual(older.weights, model.weights)
        // Half the buffers is damage, not an older file.
        file = try Safetensors.read(path: Self.folder + "/bn-stats.safetensors")
        file.tensors["features.bn2.running_var"] = nil
        try file.write(to: path)
        XCTAssertThrowsError(try ModelFile.read(path: path)) { XCTAssertTrue("\($0)".contains("running statistics incomplete"), "\($0)") }
    }
}
