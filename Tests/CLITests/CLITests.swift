import Foundation
import TestSupport
import XCTest

/// The `mpo` binary as a user runs it: exit codes, one-line errors naming the file, and the
/// OpenBLAS core choice however it is launched.
final class CLITests: XCTestCase {
    /// MPO_BINARY, or `mpo` next to the test bundle (SwiftPM builds both into the same folder).
    static var binary: String { mpoBinaryPath }

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
        let outputs = try TemporaryFolder()
        defer { outputs.remove() }
        let dir = outputs.path
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
        let auto = try run(["info"], environment: ["OPENBLAS_CORETYPE": nil, "MPO_ISA": nil])
        XCTAssertEqual(auto.status, 0, auto.error)
        let flags = cpuFlags()
        if flags.contains("avx512f") && flags.contains("avx512bw") && flags.contains("avx512cd") {
            XCTAssertTrue(auto.output.contains("SkylakeX (chosen from the ISA level)"), auto.output)
            XCTAssertTrue(auto.output.contains("ISA level    : avx512"), auto.output)
        } else if flags.contains("avx2") && flags.contains("fma") {
            XCTAssertTrue(auto.output.contains("Haswell (chosen from the ISA level)"), auto.output)
            XCTAssertTrue(auto.output.contains("ISA level    : avx2 "), auto.output)
        }
        let user = try run(["info"], environment: ["OPENBLAS_CORETYPE": "Haswell", "MPO_ISA": nil])
        XCTAssertTrue(user.output.contains("Haswell (set by OPENBLAS_CORETYPE)"), user.output)
    }

    /// MPO_ISA caps the level (and OpenBLAS's core with it); a cap above the CPU means the CPU's
    /// level; a name that is no level is a one-line error naming the variable.
    func testISACapSwitch() throws {
        let portable = try run(["info"], environment: ["OPENBLAS_CORETYPE": nil, "MPO_ISA": "portable"])
        XCTAssertEqual(portable.status, 0, portable.error)
        XCTAssertTrue(portable.output.contains("ISA level    : portable (capped by MPO_ISA=portable)"), portable.output)
        XCTAssertTrue(portable.output.contains("Prescott (chosen from the ISA level)"), portable.output)
        let above = try run(["info"], environment: ["OPENBLAS_CORETYPE": nil, "MPO_ISA": "amx"])
        XCTAssertEqual(above.status, 0, above.error)
        if !cpuFlags().contains("amx_tile") {
            XCTAssertTrue(above.output.contains("is above this CPU"), above.output)
        }
        let bad = try run(["info"], environment: ["MPO_ISA": "sse9"])
        XCTAssertEqual(bad.status, 64, bad.error)
        let lines = bad.error.split(separator: "\n")
        XCTAssertTrue(lines.first?.contains("MPO_ISA") == true && lines.first?.contains("sse9") == true, bad.error)
        let train = try run(["train", "--steps", "1"], environment: ["MPO_ISA": "sse9"])
        XCTAssertEqual(train.status, 64, train.error)
        XCTAssertTrue(train.error.contains("MPO_ISA"), train.error)
    }

    /// `mpo bench --json` (quick, one preset): the keys machines rely on, and every target's
    /// verdict consistent with the numbers beside it.
    /// A PyTorch reference given as ref_mpo.py's own output lines: ratios are ours over theirs for
    /// the preset the RESULT line's batch and cells name; without one they are null with a reason.
    func testBenchJSONHasThePresetsAndConsistentTargets() throws {
        let dir = try temporaryFolder().path
        let reference = dir + "/ref.txt"
        try """
        params/model=153402 pattern=(16, 16) good=60 bad=60 mode=loop
        RESULT mode=loop batch=64 cells=64 step_median_s=0.900 cell_images_per_s=4551
        EVAL mode=loop grid=(16, 16) images=256 seconds=6.00 cell_images_per_s=10923
        """.write(toFile: reference, atomically: true, encoding: .utf8)
        let r = try run(["bench", "--quick", "--json", "--presets", "live", "--precision", "fp32", "--memory", "false", "--reference", reference])
        XCTAssertEqual(r.status, 0, r.error)
        // Parsing at all proves there is no NaN or infinity in it (JSON has none).
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any], r.output)
        XCTAssertEqual(object["precision"] as? String, "fp32")
        XCTAssertNotNil(object["isa"] as? String)
        XCTAssertFalse((object["cpu"] as? String ?? "").isEmpty)
        XCTAssertGreaterThan(object["peak_rss_mb"] as? Double ?? 0, 0)
        let live = try XCTUnwrap(object["live"] as? [String: Any])
        for key in ["train_cell_images_per_s", "eval_cell_images_per_s", "gflops", "peak_fraction", "eval_gflops", "eval_peak_fraction"] {
            XCTAssertGreaterThan(live[key] as? Double ?? 0, 0, key)
        }
        // Each path's own peaks (issue 19): register-only FMA at the level's widest vectors, vdpbf16ps
        // only where the level has AVX512-BF16, AMX never (no tile kernels); the row's "arith"
        // fraction is its GFLOP/s over the peak of the arithmetic it used.
        let isa = try XCTUnwrap(object["isa"] as? String)
        let fma = try XCTUnwrap(object["fma_peak_gflops"] as? Double)
        XCTAssertEqual(fma > 0, isa != "portable", "fma_peak_gflops \(fma) at \(isa)")
        XCTAssertEqual(object["fma_peak_vectors"] as? String, ["avx2": "ymm", "avx512": "zmm", "avx512bf16": "zmm", "amx": "zmm", "neon": "NEON"][isa] ?? "none")
        if ["avx512bf16", "amx"].contains(isa) { XCTAssertGreaterThan(object["dpbf16_peak_gflops"] as? Double ?? 0, 0) }
        else { XCTAssertTrue(object["dpbf16_peak_gflops"] is NSNull, "\(object["dpbf16_peak_gflops"] ?? "missing")") }
        XCTAssertTrue((object["amx_peak"] as? String ?? "").hasPrefix("n/a ("), "\(object["amx_peak"] ?? "missing")")
        XCTAssertEqual(live["arith_peak"] as? String, "fp32 FMA \(object["fma_peak_vectors"] as? String ?? "?")")
        if fma > 0 {
            XCTAssertEqual(live["arith_peak_gflops"] as? Double, fma)
            let gflops = try XCTUnwrap(live["gflops"] as? Double), evalGflops = try XCTUnwrap(live["eval_gflops"] as? Double)
            XCTAssertEqual(try XCTUnwrap(live["arith_peak_fraction"] as? Double), gflops / fma, accuracy: 1e-9)
            XCTAssertEqual(try XCTUnwrap(live["eval_arith_peak_fraction"] as? Double), evalGflops / fma, accuracy: 1e-9)
        } else {
            for key in ["arith_peak_gflops", "arith_peak_fraction", "eval_arith_peak_fraction"] { XCTAssertTrue(live[key] is NSNull, key) }
        }
        let train = try XCTUnwrap(live["train_cell_images_per_s"] as? Double), eval = try XCTUnwrap(live["eval_cell_images_per_s"] as? Double)
        XCTAssertEqual(try XCTUnwrap(live["pytorch_train_ratio"] as? Double), train / 4551, accuracy: 1e-9 * train)
        XCTAssertEqual(try XCTUnwrap(live["pytorch_eval_ratio"] as? Double), eval / 10923, accuracy: 1e-9 * eval)
        let feel = try XCTUnwrap(object["live_feel"] as? [String: Any])
        // A period that could not be measured is null, with a reason.
        if feel["map_seconds_while_training"] is NSNull { XCTAssertFalse((feel["note"] as? String ?? "").isEmpty) }
        else { XCTAssertGreaterThan(feel["map_seconds_while_training"] as? Double ?? 0, 0) }
        let targets = try XCTUnwrap(object["targets"] as? [[String: Any]])
        let steps = try XCTUnwrap(targets.first { $0["name"] as? String == "live feel: training" })
        XCTAssertEqual(steps["met"] as? Bool, (feel["steps_per_s_while_mapping"] as? Double ?? 0) >= 4)
        for t in targets { XCTAssertEqual(Set(t.keys), ["name", "goal", "measured", "met", "note"]) }

        let bad = try run(["bench", "--quick", "--precision", "fp16"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.error.contains("fp16"), bad.error)
    }

    func testErrorsExitNonZeroWithOneLineNamingTheFile() throws {
        let dir = try temporaryFolder().path
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
        let dir = try temporaryFolder().path
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
