import Foundation
import TestSupport
import XCTest

/// `mpo curve` and `mpo transect CURVE` as a user runs them.
extension CLITests {
    /// Two tiny nets fitted from seeds 1 and 2, in a scratch folder.
    func curveEnds() throws -> (dir: String, a: String, b: String) {
        let dir = try temporaryFolder().path
        for seed in [1, 2] {
            let r = try run(["fit", "--net", "tiny", "--batch", "32", "--lr", "0.003", "--train-images", "2000", "--test-images", "200",
                             "--steps", "40", "--seed", String(seed), "--trajectory-every", "0", "--save", dir + "/m\(seed).safetensors"])
            XCTAssertEqual(r.status, 0, r.error)
        }
        return (dir, dir + "/m1.safetensors", dir + "/m2.safetensors")
    }

    /// The data section of a safetensors file (the header holds the creation time).
    func tensorBytes(_ path: String) throws -> Data {
        let d = try Data(contentsOf: URL(fileURLWithPath: path))
        let n = Int(d.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        return d.dropFirst(8 + n)
    }

    func testCurveRefusesHostileInputNamingTheValue() throws {
        let (dir, a, b) = try curveEnds()
        let other = dir + "/small.safetensors"
        XCTAssertEqual(try run(["fit", "--net", "small", "--steps", "1", "--train-images", "100", "--test-images", "10",
                                "--trajectory-every", "0", "--save", other]).status, 0)
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.safetensors", withDestinationPath: a)
        let save = dir + "/never.safetensors"
        for (args, named) in [
            ([a, other], "another net"), ([a, a], "same file"), ([a, dir + "/link.safetensors"], "same file"),
            ([a, b, "--points", "0"], "--points 0"), ([a, b, "--lr", "nan"], "--lr nan"), ([a, b, "--lr=-1"], "--lr -1.0"),
            ([a, b, "--gradient-clip", "inf"], "--gradient-clip inf"), ([a, b, "--kind", "spline"], "--kind 'spline'"),
            ([a, b, "--batch", "0"], "--batch 0"), ([a], "got 1"), ([a, b, "--resume", a], "--resume"),
        ] {
            let r = try run(["curve"] + args + ["--steps", "1", "--save", save])
            XCTAssertEqual(r.status, 64, "\(args): \(r.error)")
            XCTAssertEqual(r.error.split(separator: "\n").filter { !$0.hasPrefix("note:") }.count, 1, "\(args): \(r.error)")
            XCTAssertTrue(r.error.contains(named), "\(args): \(r.error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: save))
        // A model is not a curve.
        let t = try run(["transect", a, "--points", "3", "--eval-images", "20"])
        XCTAssertEqual(t.status, 1, t.error)
        XCTAssertTrue(t.error.contains("not a curve"), t.error)
    }

    func testCurveTrainsResumesExactlyAndProfilesBesideTheSegment() throws {
        let (dir, a, b) = try curveEnds()
        let common = ["--points", "3", "--batch", "16", "--train-images", "1000", "--lr", "0.01", "--seed", "5"]
        let whole = try run(["curve", a, b, "--steps", "6", "--save", dir + "/whole.safetensors"] + common)
        XCTAssertEqual(whole.status, 0, whole.error)
        XCTAssertTrue(whole.output.contains("steps 0 -> 6"), whole.output)
        XCTAssertTrue(whole.output.contains("train loss along the curve"), whole.output)
        let half = try run(["curve", a, b, "--steps", "3", "--autosave", "2", "--save", dir + "/half.safetensors"] + common)
        XCTAssertEqual(half.status, 0, half.error)
        let rest = try run(["curve", "--resume", dir + "/half.safetensors", "--steps", "3", "--train-images", "1000", "--save", dir + "/half.safetensors"])
        XCTAssertEqual(rest.status, 0, rest.error)
        XCTAssertTrue(rest.output.contains("steps 3 -> 6"), rest.output)
        XCTAssertEqual(try tensorBytes(dir + "/whole.safetensors"), try tensorBytes(dir + "/half.safetensors"))

        let csv = dir + "/profile.csv"
        let t = try run(["transect", dir + "/whole.safetensors", "--straight", "--points", "11", "--eval-images", "200", "--out", csv])
        XCTAssertEqual(t.status, 0, t.error)
        XCTAssertTrue(t.output.contains("curve: barrier height"), t.output)
        XCTAssertTrue(t.output.contains("straight: barrier height"), t.output)
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.first, "t,loss,accuracy,straight_loss,straight_accuracy")
        XCTAssertEqual(rows.count, 12)
        // Both paths start at A and end at B.
        for row in [rows[1], rows[11]] {
            let v = row.split(separator: ",").map { Double($0)! }
            XCTAssertEqual(v[1], v[3], accuracy: 1e-9)
            XCTAssertEqual(v[2], v[4], accuracy: 1e-9)
        }

        let j = try run(["transect", dir + "/whole.safetensors", "--straight", "--json", "--points", "11", "--eval-images", "200"])
        XCTAssertEqual(j.status, 0, j.error)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(j.output.utf8)) as? [String: Any], j.output)
        for key in ["barrier", "straight_barrier", "min_accuracy"] { XCTAssertNotNil(json[key] as? Double, "\(key): \(j.output)") }
        let ends = try XCTUnwrap(json["end_accuracies"] as? [Double])
        XCTAssertEqual(ends.count, 2)
        XCTAssertLessThanOrEqual(json["min_accuracy"] as! Double, ends.min()!)

        // The curve is a plane: it renders with its markers and path.
        let png = dir + "/curve.png"
        let r = try run(["render", dir + "/whole.safetensors", "--eval-images", "20", "--out", png])
        XCTAssertEqual(r.status, 0, r.error)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: png)).prefix(4), Data([0x89, 0x50, 0x4E, 0x47]))
    }
}
