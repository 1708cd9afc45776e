import Foundation
import TestSupport
import XCTest

/// `mpo fit` and `mpo transect` as a user runs them.
extension CLITests {
    func testFitRefusesBadOptionsNamingThem() throws {
        for (args, option) in [
            (["--lr", "nan"], "--lr"), (["--lr", "0"], "--lr"), (["--lr", "-1"], "--lr"), (["--batch", "0"], "--batch"),
            (["--epochs", "0"], "--epochs"), (["--steps", "-3"], "--steps"), (["--momentum", "inf"], "--momentum"),
            (["--optimizer", "rmsprop"], "--optimizer"), (["--net", "huge"], "--net"), (["--trajectory-every", "-1"], "--trajectory-every"),
            (["--autosave", "-1"], "--autosave"),
        ] {
            let r = try run(["fit", "--save", "/tmp/never-written.safetensors"] + args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.error)")
            let lines = r.error.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(args): \(r.error)")
            XCTAssertTrue(r.error.contains(option), "\(args): \(r.error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/never-written.safetensors"))
    }

    func testFitTrainsSavesATrajectoryAndResumesExactly() throws {
        let dir = try temporaryFolder().path
        let common = ["fit", "--net", "tiny", "--batch", "32", "--lr", "0.003", "--train-images", "2000", "--test-images", "500",
                      "--trajectory-every", "5", "--seed", "3"]
        let straight = try run(common + ["--steps", "20", "--save", dir + "/straight.safetensors"])
        XCTAssertEqual(straight.status, 0, straight.error)
        XCTAssertTrue(straight.output.contains("test accuracy"), straight.output)
        // Autosaves (model and trajectory) on the way change nothing.
        let half = try run(common + ["--steps", "10", "--autosave", "3", "--save", dir + "/resumed.safetensors"])
        XCTAssertEqual(half.status, 0, half.error)
        let rest = try run(common + ["--steps", "10", "--save", dir + "/resumed.safetensors", "--resume", dir + "/resumed.safetensors"])
        XCTAssertEqual(rest.status, 0, rest.error)
        XCTAssertTrue(rest.output.contains("steps 10 -> 20"), rest.output)
        // Same weights, optimiser state and trajectory: the files hold the same tensors.
        func tensors(_ path: String) throws -> Data {
            let d = try Data(contentsOf: URL(fileURLWithPath: path))
            let n = Int(d.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            return d.dropFirst(8 + n)
        }
        XCTAssertEqual(try tensors(dir + "/straight.safetensors"), try tensors(dir + "/resumed.safetensors"))
        XCTAssertEqual(try tensors(dir + "/straight.trajectory.safetensors"), try tensors(dir + "/resumed.trajectory.safetensors"))
        let header = try String(contentsOfFile: dir + "/straight.trajectory.safetensors", encoding: .isoLatin1)
        XCTAssertTrue(header.contains("\"trajectory\":{\"dtype\":\"F32\",\"shape\":[5,"), String(header.prefix(400)))

        let longer = try run(common + ["--steps", "300", "--save", dir + "/long.safetensors", "--trajectory-every", "0"])
        XCTAssertEqual(longer.status, 0, longer.error)
        let csv = dir + "/profile.csv"
        let t = try run(["transect", dir + "/long.safetensors", dir + "/straight.safetensors", "--points", "11", "--eval-images", "300", "--out", csv])
        XCTAssertEqual(t.status, 0, t.error)
        XCTAssertTrue(t.output.contains("barrier height"), t.output)
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.first, "t,loss,accuracy")
        XCTAssertEqual(rows.count, 12)
        let losses = rows.dropFirst().map { Double($0.split(separator: ",")[1])! }
        XCTAssertLessThan(losses.first!, losses.last!, "300 steps must beat 20")
        let png = dir + "/profile.png"
        XCTAssertEqual(try run(["transect", dir + "/long.safetensors", dir + "/straight.safetensors", "--points", "5", "--eval-images", "100", "--out", png]).status, 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: png)).prefix(4), Data([0x89, 0x50, 0x4E, 0x47]))
    }

    /// A learning rate that explodes: exit status 1, a message naming the step, and the last
    /// finite model saved where --save said (it opens: `mpo info` refuses NaN or infinity).
    func testFitSavesTheLastFiniteStateWhenItDiverges() throws {
        let dir = try temporaryFolder().path
        for optimizer in ["adam", "sgd"] {
            let path = dir + "/blowup-\(optimizer).safetensors"
            let r = try run(["fit", "--net", "tiny", "--optimizer", optimizer, "--lr", "1e35", "--steps", "30", "--batch", "32",
                             "--train-images", "500", "--test-images", "100", "--save", path])
            XCTAssertEqual(r.status, 1, r.output + r.error)
            XCTAssertTrue(r.error.contains("training diverged at step"), r.error)
            XCTAssertTrue(r.error.contains("saved to \(path)"), r.error)
            let kept = try XCTUnwrap(r.error.range(of: #"the last finite state is step \d+"#, options: .regularExpression).map { String(r.error[$0]) })
            let info = try run(["info", path])
            XCTAssertEqual(info.status, 0, info.error)
            XCTAssertTrue(info.output.contains("step \(kept.split(separator: " ").last!),"), info.output + kept)
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/blowup-\(optimizer).trajectory.safetensors"))
        }
    }

    func testTransectBetweenTwoCellsOfAPlane() throws {
        let dir = try temporaryFolder().path
        let plane = dir + "/plane.safetensors"
        let train = try run(["train", "--preset", "tiny", "--steps", "3", "--eval-images", "50", "--preview-every", "0", "--save", plane])
        XCTAssertEqual(train.status, 0, train.error)
        let csv = dir + "/plane.csv"
        let t = try run(["transect", plane, "--from", "0,0", "--to", "10,12", "--points", "6", "--eval-images", "200", "--out", csv])
        XCTAssertEqual(t.status, 0, t.error)
        XCTAssertTrue(t.output.contains("barrier height"), t.output)
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 7)
        XCTAssertTrue(rows.dropFirst().allSatisfy { Double($0.split(separator: ",")[1])!.isFinite }, "\(rows)")
    }

    func testTransectRefusesDamagedFilesAndBadOptions() throws {
        let dir = try temporaryFolder().path
        let bad = dir + "/bad.safetensors"
        try Data("not a safetensors file at all".utf8).write(to: URL(fileURLWithPath: bad))
        let r = try run(["transect", bad, bad])
        XCTAssertEqual(r.status, 1, r.error)
        XCTAssertTrue(r.error.contains(bad), r.error)
        let points = try run(["transect", bad, bad, "--points", "1"])
        XCTAssertEqual(points.status, 64)
        XCTAssertTrue(points.error.contains("--points"), points.error)
        let cell = try run(["transect", bad, "--from", "1,x", "--to", "2,2"])
        XCTAssertEqual(cell.status, 64)
        XCTAssertTrue(cell.error.contains("--from"), cell.error)
    }
}
