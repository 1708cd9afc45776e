import Foundation
import TestSupport
import XCTest

/// `--bn-stats` and `--bn-images` as a user meets them: the PyTorch-trained BN net of
/// scripts/make-bn-stats-fixture.py evaluates as `model.eval()` by default, and the modes a file
/// cannot use are refused in one line with status 64.
extension CLITests {
    static var torchFixtures: String { packageRootFolder + "/Tests/Fixtures/torch" }

    /// The loss at t = 0 of a two-point transect: "ends: loss 0.5820 (acc ...".
    func endLoss(_ r: Run) -> Double? {
        guard let line = r.output.split(separator: "\n").first(where: { $0.hasPrefix("ends: loss ") }) else { return nil }
        return Double(line.dropFirst("ends: loss ".count).prefix { $0 != " " })
    }

    func testImportedBatchNormNetEvaluatesAsEvalModeAndSaysSo() throws {
        let model = Self.torchFixtures + "/bn-stats.safetensors"
        let reference = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.torchFixtures + "/bn-stats.json"))) as! [String: Any]
        let eval = (reference["eval"] as! [String: Any])["loss"] as! Double, train = (reference["train"] as! [String: Any])["loss"] as! Double
        let info = try run(["info", model])
        XCTAssertEqual(info.status, 0, info.error)
        XCTAssertTrue(info.output.contains("BatchNorm: running statistics (300 batches tracked)"), info.output)

        let common = ["transect", model, model, "--points", "2", "--eval-images", "1000"]
        let standard = try run(common)
        XCTAssertEqual(standard.status, 0, standard.error)
        XCTAssertTrue(standard.output.contains("BatchNorm: running statistics"), standard.output)
        XCTAssertEqual(try XCTUnwrap(endLoss(standard)), eval, accuracy: 1e-4, "4 decimals printed")
        let batch = try run(common + ["--bn-stats", "batch"])
        XCTAssertTrue(batch.output.contains("BatchNorm: batch statistics"), batch.output)
        XCTAssertEqual(try XCTUnwrap(endLoss(batch)), train, accuracy: 1e-4)
        let recompute = try run(common + ["--bn-stats", "recompute", "--bn-images", "1000"])
        XCTAssertTrue(recompute.output.contains("recomputed per point on 1000 train images"), recompute.output)
        let recomputed = (reference["recompute"] as! [[String: Any]]).first { $0["images"] as? Int == 1000 }!["loss"] as! Double
        XCTAssertEqual(try XCTUnwrap(endLoss(recompute)), recomputed, accuracy: 1e-4)
    }

    func testBatchNormModesANetCannotUseAreRefusedInOneLine() throws {
        let dir = try temporaryFolder().path
        let bn = Self.torchFixtures + "/bn-stats.safetensors", paper = Self.torchFixtures + "/paper-net.safetensors"
        // A random plane around an MPO plane's cell has no running statistics.
        let mpo = dir + "/mpo.safetensors", around = dir + "/around.safetensors"
        let trained = try run(["train", "--preset", "tiny", "--bn", "--steps", "1", "--eval-images", "10", "--preview-every", "0", "--save", mpo, "ring"])
        XCTAssertEqual(trained.status, 0, trained.error)
        XCTAssertEqual(try run(["plane", "random", "--around", "2,2", mpo, "--save", around]).status, 0)
        for (args, words) in [
            (["transect", paper, paper, "--net", "paper", "--bn-stats", "running"], "has no BatchNorm"),
            (["transect", bn, bn, "--bn-stats", "recompute", "--bn-images", "0"], "--bn-images 0: must be 1...60000"),
            (["transect", bn, bn, "--bn-stats", "recompute", "--bn-images", "nan"], "--bn-images"),
            (["transect", bn, bn, "--bn-images", "100"], "only with --bn-stats recompute"),
            (["transect", bn, bn, "--bn-stats", "eval"], "use one of batch, running, recompute"),
            (["render", mpo, "--bn-stats", "running", "--out", dir + "/never.png"], "is an MPO plane"),
            (["view", mpo, "--bn-stats", "recompute"], "is an MPO plane"),
            (["transect", mpo, "--from", "0,0", "--to", "1,1", "--bn-stats", "running"], "is an MPO plane"),
            (["render", around, "--bn-stats", "running", "--out", dir + "/never.png"], "has no BatchNorm running statistics"),
            (["train", "--preset", "tiny", "--bn-stats", "running", "ring"], "MPO planes train and draw with batch statistics"),
            (["fit", "--net", "tiny", "--steps", "1", "--bn-stats", "running", "--save", dir + "/never.safetensors"], "has no BatchNorm"),
        ] {
            let r = try run(args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.error)")
            XCTAssertEqual(r.error.split(separator: "\n").count, 1, "\(args): \(r.error)")
            XCTAssertTrue(r.error.contains(words), "\(args): \(r.error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/never.png"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/never.safetensors"))
        // What each can use runs: batch everywhere, recompute where there are none stored.
        XCTAssertEqual(try run(["render", mpo, "--bn-stats", "batch", "--eval-images", "10", "--rows", "2", "--cols", "2", "--out", dir + "/m.csv"]).status, 0)
        let r = try run(["render", around, "--bn-stats", "recompute", "--bn-images", "64", "--eval-images", "10", "--rows", "2", "--cols", "2", "--out", dir + "/a.csv"])
        XCTAssertEqual(r.status, 0, r.error)
        XCTAssertTrue(try String(contentsOfFile: dir + "/a.csv", encoding: .utf8).contains("BatchNorm: recomputed per point on 64 train images"))
    }

    /// `mpo fit` of a BatchNorm net keeps running statistics; planes made from such models carry
    /// them, so a three-model plane's markers score as their models do.
    func testFitModelsCarryRunningStatisticsIntoPlanes() throws {
        let dir = try temporaryFolder().path
        var models: [String] = []
        for seed in 1...3 {
            let path = dir + "/m\(seed).safetensors"
            let r = try run(["fit", "--net", "conv 4,8 bn pool; dense 16", "--steps", "30", "--train-images", "2000", "--test-images", "200",
                             "--trajectory-every", "0", "--seed", String(seed), "--save", path])
            XCTAssertEqual(r.status, 0, r.error)
            XCTAssertTrue(r.output.contains("test with BatchNorm: running statistics"), r.output)
            models.append(path)
        }
        XCTAssertTrue(try run(["info", models[0]]).output.contains("running statistics (30 batches tracked)"))
        let own = try models.map { m -> Double in try XCTUnwrap(endLoss(try run(["transect", m, m, "--points", "2", "--eval-images", "200"]))) }
        let plane = dir + "/three.safetensors"
        let made = try run(["plane", "models"] + models + ["--save", plane])
        XCTAssertEqual(made.status, 0, made.error)
        XCTAssertTrue(made.output.contains("carries its models' running statistics"), made.output)
        let rendered = try run(["render", plane, "--eval-images", "200", "--rows", "3", "--cols", "3", "--out", dir + "/three.csv"])
        XCTAssertEqual(rendered.status, 0, rendered.error)
        for (name, loss) in zip(["A", "B", "C"], own) {
            let line = try XCTUnwrap(rendered.output.split(separator: "\n").first { $0.hasPrefix("\(name) (") }, rendered.output)
            let value = try XCTUnwrap(line.components(separatedBy: "loss ").last?.split(separator: ",").first.flatMap { Double($0) })
            XCTAssertEqual(value, loss, accuracy: 2e-4, "marker \(name): \(line)")
        }
        // With batch statistics the markers score otherwise (the check can fail).
        let batch = try run(["render", plane, "--eval-images", "200", "--rows", "3", "--cols", "3", "--out", dir + "/b.csv", "--bn-stats", "batch"])
        XCTAssertNotEqual(batch.output.split(separator: "\n").first { $0.hasPrefix("A (") }, rendered.output.split(separator: "\n").first { $0.hasPrefix("A (") })
    }
}
