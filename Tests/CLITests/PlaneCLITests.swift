import Foundation
import TestSupport
import XCTest

/// `mpo plane` as a user runs it: planes from real fitted models, rendered and cut by a transect.
extension CLITests {
    /// Three tiny nets fitted from different seeds (the first with a trajectory), in a scratch folder.
    func fittedModels() throws -> (dir: String, models: [String]) {
        let dir = try temporaryFolder().path
        var models: [String] = []
        for (k, steps) in [40, 25, 15].enumerated() {
            let path = dir + "/m\(k + 1).safetensors"
            let r = try run(["fit", "--net", "tiny", "--batch", "32", "--lr", "0.003", "--train-images", "2000", "--test-images", "200",
                             "--steps", String(steps), "--seed", String(k + 1), "--trajectory-every", k == 0 ? "5" : "0", "--save", path])
            XCTAssertEqual(r.status, 0, r.error)
            models.append(path)
        }
        return (dir, models)
    }

    /// "ends: loss 0.1234 (acc ...) at t=0, 0.5678 (...) at t=1" -> the two losses.
    func transectEnds(_ output: String) -> (Double, Double)? {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("ends: loss ") }) else { return nil }
        let numbers = line.split(whereSeparator: { " (),".contains($0) }).compactMap { Double($0) }
        return numbers.count >= 2 ? (numbers[0], numbers[1]) : nil  // "12.34%" and "t=0" are not numbers
    }

    func testPlanesOfEveryKindRenderAndCutAsTheirModelsSay() throws {
        let (dir, m) = try fittedModels()
        let random = try run(["plane", "random", m[0], "--seed", "3", "--save", dir + "/random.safetensors"])
        XCTAssertEqual(random.status, 0, random.error)
        XCTAssertTrue(random.output.contains("random plane: random, filter-normalised, bias/BN ignored, seed 3"), random.output)
        let models = try run(["plane", "models"] + m + ["--save", dir + "/models.safetensors"])
        XCTAssertEqual(models.status, 0, models.error)
        XCTAssertTrue(models.output.contains("markers: A at (0, 0), B at (1, 0), C at ("), models.output)
        let pca = try run(["plane", "pca", dir + "/m1.trajectory.safetensors", "--save", dir + "/pca.safetensors"])
        XCTAssertEqual(pca.status, 0, pca.error)
        XCTAssertTrue(pca.output.contains("variance explained: d1 "), pca.output)
        XCTAssertTrue(pca.output.contains("trajectory: 9 points"), pca.output)

        // The render's centre sample is the origin: the loss of model 1 as `mpo transect` evaluates it
        // (another evaluator, the WeightEvaluator, on the same 200 images).
        let direct = try run(["transect", m[0], m[1], "--points", "2", "--eval-images", "200"])
        XCTAssertEqual(direct.status, 0, direct.error)
        let (lossA, lossB) = try XCTUnwrap(transectEnds(direct.output), direct.output)
        for kind in ["random", "models"] {
            let csv = dir + "/\(kind).csv"
            let r = try run(["render", dir + "/\(kind).safetensors", "--eval-images", "200", "--out", csv])
            XCTAssertEqual(r.status, 0, r.error)
            XCTAssertTrue(r.output.contains("cell-images/s"), r.output)
            XCTAssertTrue(r.output.contains("over 51x51 samples"), r.output)
            let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
            XCTAssertEqual(lines.count, 52, "a header and 51 rows")
            let alphas = lines[0].split(separator: ",")
            XCTAssertEqual(alphas[0], "beta\\alpha")
            XCTAssertEqual(alphas[26], "0", "column 25 is alpha 0")
            // α in [-1, 1]; the three-model plane is widened to hold B at (1, 0) and C at (α_C, 1) with room
            if kind == "random" { XCTAssertEqual([alphas[1], alphas[51]], ["-1", "1"]) } else { XCTAssertGreaterThan(Double(alphas[51])!, 1) }
            let middle = lines[26].split(separator: ",")
            XCTAssertEqual(middle[0], "0", "row 25 is beta 0")
            XCTAssertEqual(try XCTUnwrap(Double(middle[26])), lossA, accuracy: 2e-4, "\(kind): the centre is model 1")
        }
        // On the three-model plane, B sits at (1, 0): a transect from A to B ends at model 2's loss.
        let cut = try run(["transect", dir + "/models.safetensors", "--from", "0,0", "--to", "1,0", "--points", "3", "--eval-images", "200"])
        XCTAssertEqual(cut.status, 0, cut.error)
        let (a, b) = try XCTUnwrap(transectEnds(cut.output), cut.output)
        XCTAssertEqual(a, lossA, accuracy: 2e-4)
        XCTAssertEqual(b, lossB, accuracy: 2e-4)

        let png = dir + "/pca.png"
        let drawn = try run(["render", dir + "/pca.safetensors", "--eval-images", "100", "--out", png])
        XCTAssertEqual(drawn.status, 0, drawn.error)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: png)).prefix(4), Data([0x89, 0x50, 0x4E, 0x47]))
        XCTAssertTrue(drawn.output.contains("variance explained"), drawn.output)
        // A direction plane cannot be trained.
        let resume = try run(["train", "--resume", dir + "/random.safetensors", "--steps", "1"])
        XCTAssertEqual(resume.status, 1)
        XCTAssertTrue(resume.error.contains("fixed random plane"), resume.error)
    }

    func testPlaneRefusesBadModelsAndOptionsNamingThem() throws {
        let dir = try temporaryFolder().path
        let bad = dir + "/bad.safetensors"
        try Data("not a safetensors file at all".utf8).write(to: URL(fileURLWithPath: bad))
        let r = try run(["plane", "random", bad, "--save", dir + "/x.safetensors"])
        XCTAssertEqual(r.status, 1, r.error)
        XCTAssertTrue(r.error.hasPrefix("Error: \(bad):"), r.error)
        XCTAssertEqual(r.error.split(separator: "\n").count, 1, r.error)

        // Two nets: C is another architecture than A and B.
        let tiny = dir + "/tiny.safetensors", small = dir + "/small.safetensors"
        for (net, path) in [("tiny", tiny), ("small", small)] {
            XCTAssertEqual(try run(["fit", "--net", net, "--steps", "2", "--batch", "16", "--train-images", "500", "--test-images", "50",
                                    "--trajectory-every", "0", "--save", path]).status, 0)
        }
        let mixed = try run(["plane", "models", tiny, tiny, small, "--save", dir + "/y.safetensors"])
        XCTAssertEqual(mixed.status, 1, mixed.error)
        XCTAssertTrue(mixed.error.contains(small) && mixed.error.contains("another net"), mixed.error)
        let same = try run(["plane", "models", tiny, tiny, small.replacingOccurrences(of: "small", with: "tiny"), "--save", dir + "/z.safetensors"])
        XCTAssertEqual(same.status, 64, same.error)
        XCTAssertTrue(same.error.contains("same point"), same.error)
        let lonely = try run(["plane", "pca", dir + "/none.trajectory.safetensors", "--save", dir + "/p.safetensors"])
        XCTAssertEqual(lonely.status, 64, lonely.error)
        XCTAssertTrue(lonely.error.contains("trajectory '") && lonely.error.contains("No such file"), lonely.error)
        for (args, option) in [
            (["random", tiny, "--norm", "unit"], "--norm"), (["random", tiny, "--ignore", "all"], "--ignore"),
            (["random", tiny, "--around", "1,x"], "--around"), (["models", tiny, tiny], "three model files"),
            (["random", tiny, "--save", "bad name!"], "--save"),
        ] {
            let r = try run(["plane"] + args + (args.contains("--save") ? [] : ["--save", dir + "/never.safetensors"]))
            XCTAssertEqual(r.status, 64, "\(args): \(r.error)")
            XCTAssertTrue(r.error.contains(option), "\(args): \(r.error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/never.safetensors"))
    }
}
