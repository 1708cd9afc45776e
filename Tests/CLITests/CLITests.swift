import Foundation
import XCTest

/// The `mpo` binary as a user runs it: exit codes, one-line errors naming the file, and the
/// OpenBLAS core choice however it is launched.
final class CLITests: XCTestCase {
    /// MPO_BINARY, or `mpo` next to the test bundle (SwiftPM builds both into the same folder).
    static var binary: String {
        if let b = ProcessInfo.processInfo.environment["MPO_BINARY"], !b.isEmpty { return b }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("mpo").path
    }

    struct Run {
        var status: Int32
        var output: String
        var error: String
    }

    /// Runs the binary with `environment` changes (nil values unset the variable); output goes
    /// through files, not pipes, so a chatty child can never block on a full pipe.
    func run(_ arguments: [String], environment: [String: String?] = [:], directory: String? = nil) throws -> Run {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.binary), "no binary at \(Self.binary)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let dir = NSTemporaryDirectory() + "cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: dir + "/out", contents: nil)
        FileManager.default.createFile(atPath: dir + "/err", contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: dir + "/out")
        process.standardError = FileHandle(forWritingAtPath: dir + "/err")
        try process.run()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus,
            output: (try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? "",
            error: (try? String(contentsOfFile: dir + "/err", encoding: .utf8)) ?? "")
    }

    func cpuFlags() -> Set<String> {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("flags") } ?? ""
        return Set(line.split(separator: " ").map(String.init))
    }

    func testInfoChoosesFastKernelsAndRespectsTheUser() throws {
        let auto = try run(["info"], environment: ["OPENBLAS_CORETYPE": nil])
        XCTAssertEqual(auto.status, 0, auto.error)
        let flags = cpuFlags()
        if flags.contains("avx512f") && flags.contains("avx512bw") {
            XCTAssertTrue(auto.output.contains("SkylakeX (chosen from CPUID)"), auto.output)
        } else if flags.contains("avx2") {
            XCTAssertFalse(auto.output.contains("Prescott"), auto.output)
        }
        let user = try run(["info"], environment: ["OPENBLAS_CORETYPE": "Haswell"])
        XCTAssertTrue(user.output.contains("Haswell (set by OPENBLAS_CORETYPE)"), user.output)
    }

    /// `mpo bench --json` (quick, one preset): the keys machines rely on, and every target's
    /// verdict consistent with the numbers beside it.
    func testBenchJSONHasThePresetsAndConsistentTargets() throws {
        let r = try run(["bench", "--quick", "--json", "--presets", "live", "--precision", "fp32", "--memory", "false"])
        XCTAssertEqual(r.status, 0, r.error)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any], r.output)
        XCTAssertEqual(object["precision"] as? String, "fp32")
        XCTAssertTrue((object["backend"] as? String)?.hasPrefix("OpenBLAS") == true, "\(object["backend"] ?? "none")")
        XCTAssertGreaterThan(object["peak_rss_mb"] as? Double ?? 0, 0)
        let live = try XCTUnwrap(object["live"] as? [String: Any])
        for key in ["train_cell_images_per_s", "eval_cell_images_per_s", "gflops", "peak_fraction"] {
            XCTAssertGreaterThan(live[key] as? Double ?? 0, 0, key)
        }
        let feel = try XCTUnwrap(object["live_feel"] as? [String: Any])
        let targets = try XCTUnwrap(object["targets"] as? [[String: Any]])
        let steps = try XCTUnwrap(targets.first { $0["name"] as? String == "live feel: training" })
        XCTAssertEqual(steps["met"] as? Bool, (feel["steps_per_s_while_mapping"] as? Double ?? 0) >= 4)
        for t in targets { XCTAssertEqual(Set(t.keys), ["name", "goal", "measured", "met", "note"]) }

        let bad = try run(["bench", "--quick", "--precision", "fp16"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.error.contains("fp16"), bad.error)
    }

    func testErrorsExitNonZeroWithOneLineNamingTheFile() throws {
        let dir = NSTemporaryDirectory() + "cli-bad-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let badPattern = dir + "/bad.pbm", badCheckpoint = dir + "/bad.safetensors"
        try "P1\n3 3\n1 0 2\n0 0 0\n1 1 1\n".write(toFile: badPattern, atomically: true, encoding: .utf8)
        try Data([1, 2, 3, 4, 5, 6, 7, 8, 9]).write(to: URL(fileURLWithPath: badCheckpoint))
        for (arguments, path) in [
            (["train", badPattern, "--preset", "tiny", "--steps", "1"], badPattern),
            (["render", badCheckpoint, "--out", dir + "/x.png"], badCheckpoint),
            (["train", dir + "/missing.pbm", "--preset", "tiny"], dir + "/missing.pbm"),
            (["train", "smiley", "--preset", "tiny", "--dataset", "mnist", "--data", dir], dir),
        ] {
            let r = try run(arguments)
            XCTAssertNotEqual(r.status, 0, "\(arguments)")
            let lines = r.error.split(separator: "\n").filter { !$0.isEmpty }
            XCTAssertEqual(lines.count, 1, "\(arguments): \(r.error)")
            XCTAssertTrue(r.error.contains(path), "\(arguments): \(r.error)")
        }
    }

    /// Headless training shows the pattern emerging, saves, and the plane renders to a PNG.
    func testTrainSaveAndRender() throws {
        let dir = NSTemporaryDirectory() + "cli-train-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let checkpoint = dir + "/ring.safetensors"
        let train = try run(["train", "ring", "--preset", "tiny", "--steps", "40", "--preview-every", "20",
                             "--eval-images", "100", "--save", checkpoint])
        XCTAssertEqual(train.status, 0, train.error)
        XCTAssertTrue(train.output.contains("step 40: test gap"), train.output)
        XCTAssertTrue(train.output.contains("| target"), "ASCII preview beside the pattern")
        let png = dir + "/ring.png"
        let render = try run(["render", checkpoint, "--out", png, "--eval-images", "50", "--rows", "16", "--cols", "16"])
        XCTAssertEqual(render.status, 0, render.error)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: png))
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }
}
