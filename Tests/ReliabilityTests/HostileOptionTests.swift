import Foundation
import TestSupport
import XCTest

/// Hostile values for every option and argument of every subcommand, found in the binary's own
/// `--experimental-dump-help` (a new option is covered without touching this test). Each case
/// must exit 0, or with status 1 or 64 and one line "Error: ..." on stderr (notes and warnings
/// aside) — never a signal, never a hang, never unbounded memory. A case still running after
/// `deadline` seconds passes only if it is doing real work within `rssCap`: it used CPU in its
/// last second (a process blocked on a FIFO or a lock uses none).
final class HostileOptionTests: XCTestCase {
    static let deadline = 5.0
    static let rssCap = 4 << 30
    static let parallel = 2

    /// Arguments that make a valid run short (the value under test replaces its option here).
    /// Commands not listed run with no others; `<ckpt>`, `<png>`, `<model>` and `<trajectory>` (a
    /// tiny `mpo fit` run's), `<scratch>` and `<case>` (the case's number) are filled in.
    static let base: [String: [String]] = [
        "train": ["--preset", "tiny", "--steps", "2", "--eval-images", "20", "--preview-every", "0", "--", "ring"],
        "render": ["--eval-images", "20", "--samples-per-cell", "1", "--out", "<scratch>/r.png", "--", "<ckpt>"],
        "view": ["--", "<ckpt>"],
        "fit": ["--net", "tiny", "--steps", "2", "--train-images", "200", "--test-images", "20", "--save", "<scratch>/fit-<case>.safetensors"],
        "transect": ["--from", "0,0", "--to", "1,1", "--points", "3", "--eval-images", "20", "--", "<ckpt>"],
        "plane random": ["--save", "<scratch>/pr-<case>", "--", "<model>"],
        "plane pca": ["--save", "<scratch>/pp-<case>", "--", "<trajectory>"],
        "plane hessian": ["--eval-images", "20", "--max-steps", "4", "--save", "<scratch>/ph-<case>", "--", "<model>"],
        "hessian": ["--eval-images", "20", "--max-steps", "4", "--", "<model>"],
        "pattern generate": ["--", "ring"],
        "pattern show": ["--", "ring"],
        "pattern convert": ["--", "<png>", "<scratch>/c.pbm"],
        "bench": ["--quick", "--presets", "tiny", "--memory", "false"],
        "experiment bn": ["--output", "<scratch>/bn-<case>", "--steps", "2", "--seeds", "1", "--p-from", "0.5", "--p-to", "0.5",
                          "--eval-images", "20", "--mask", "5", "--batch", "8", "--cells", "2"],
    ]

    struct Argument {
        var kind: String  // option, flag, positional
        var name: String  // long name, or the positional's value name
    }

    struct Command {
        var path: [String]
        var arguments: [Argument]
    }

    struct Case {
        var label: String
        var arguments: [String]
    }

    struct Verdict {
        var problem: String?
        var seconds: Double
    }

    /// Leaf commands and their arguments from the dump (help flags and the help command left out).
    func commands() throws -> [Command] {
        let s = try TemporaryFolder()
        defer { withExtendedLifetime(s) {} }
        let child = try ChildProcess(try XCTUnwrap(mpoBinary), ["--experimental-dump-help"], output: s.file("dump.json"), errors: .discarded)
        XCTAssertEqual(child.wait(timeout: 30), 0)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: s.file("dump.json")))) as? [String: Any]
        var out: [Command] = []
        func walk(_ c: [String: Any], _ path: [String]) {
            let subcommands = c["subcommands"] as? [[String: Any]] ?? []
            let arguments = (c["arguments"] as? [[String: Any]] ?? []).compactMap { a -> Argument? in
                guard let kind = a["kind"] as? String else { return nil }
                let long = (a["names"] as? [[String: Any]] ?? []).first { $0["kind"] as? String == "long" }?["name"] as? String
                guard let name = long ?? a["valueName"] as? String, name != "help" else { return nil }
                return Argument(kind: kind, name: name)
            }
            if subcommands.isEmpty, !path.isEmpty, path != ["help"] { out.append(Command(path: path, arguments: arguments)) }
            for sub in subcommands { walk(sub, path + [sub["commandName"] as? String ?? "?"]) }
        }
        walk(try XCTUnwrap(json?["command"] as? [String: Any]), [])
        return out
    }

    /// The base arguments with `value` for `argument` (options as --name=value, so "-1" is a value).
    func arguments(_ command: Command, _ argument: Argument?, _ value: String?, fill: (String) -> String) -> [String] {
        var args = (Self.base[command.path.joined(separator: " ")] ?? []).map(fill)
        let split = args.firstIndex(of: "--")
        var options = Array(args[..<(split ?? args.count)]), positionals = split.map { Array(args[($0 + 1)...]) } ?? []
        if let argument {
            switch argument.kind {
            case "positional":
                let index = command.arguments.filter { $0.kind == "positional" }.firstIndex { $0.name == argument.name } ?? 0
                while positionals.count <= index { positionals.append("x") }
                positionals[index] = value ?? ""
            case "flag":
                options.append("--" + argument.name)
            default:
                if let i = options.firstIndex(of: "--" + argument.name) { options.removeSubrange(i...(i + 1)) }
                options.append("--\(argument.name)=\(value ?? "")")
            }
        }
        args = command.path + options + (positionals.isEmpty ? [] : ["--"] + positionals)
        return args
    }

    func testEveryOptionOfEveryCommandSurvivesHostileValues() throws {
        guard mpoBinary != nil else { throw XCTSkip("no mpo binary (make test builds it; or set MPO_BINARY)") }
        guard fashionMNISTAvailable else { throw XCTSkip("needs dataset-fashion-mnist") }
        let s = try TemporaryFolder()
        defer { withExtendedLifetime(s) {} }
        let home = try s.makeHome()
        let folder = s.file("a-folder")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let fifo = s.file("a-fifo")
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        // a real checkpoint and PNG for the commands that read them
        let ckpt = home + "/Checkpoints/base.safetensors"
        var r = try runMPO(["train", "ring", "--preset", "tiny", "--steps", "2", "--eval-images", "20", "--preview-every", "0", "--save", ckpt],
                           environment: ["LOSSPATTERNS_HOME": home], in: s)
        XCTAssertEqual(r.code, 0, r.output)
        r = try runMPO(["render", ckpt, "--eval-images", "20", "--out", s.file("base.png")], in: s)
        XCTAssertEqual(r.code, 0, r.output)
        let model = s.file("model.safetensors")
        r = try runMPO(["fit", "--net", "tiny", "--steps", "4", "--trajectory-every", "1", "--train-images", "200", "--test-images", "20",
                        "--save", model], in: s)
        XCTAssertEqual(r.code, 0, r.output)
        let fill = { (a: String) in
            a.replacingOccurrences(of: "<ckpt>", with: ckpt).replacingOccurrences(of: "<png>", with: s.file("base.png"))
                .replacingOccurrences(of: "<model>", with: model).replacingOccurrences(of: "<trajectory>", with: s.file("model.trajectory.safetensors"))
                .replacingOccurrences(of: "<scratch>", with: s.path)
        }
        let values = ["0", "-1", "1", "99999999999", "nan", "inf", "", String(repeating: "x", count: 5000), folder, fifo]
        var cases: [Case] = []
        for command in try commands() {
            cases.append(Case(label: command.path.joined(separator: " "), arguments: arguments(command, nil, nil, fill: fill)))
            for argument in command.arguments {
                if argument.kind == "flag" {
                    cases.append(Case(label: "\(command.path.joined(separator: " ")) --\(argument.name)", arguments: arguments(command, argument, nil, fill: fill)))
                    continue
                }
                for value in values {
                    let shown = value.count > 40 ? "<\(value.count) x's>" : value == folder ? "<folder>" : value == fifo ? "<fifo>" : "'\(value)'"
                    let what = argument.kind == "positional" ? "<\(argument.name)>" : "--\(argument.name)"
                    cases.append(Case(label: "\(command.path.joined(separator: " ")) \(what) \(shown)", arguments: arguments(command, argument, value, fill: fill)))
                }
            }
        }
        XCTAssertGreaterThan(cases.count, 500, "the dump lists the commands' options")

        let start = Date()
        var verdicts: [(Case, Verdict)] = []
        var running: [(Case, ChildProcess, Date, String)] = []
        var next = 0
        var cpuBeforeDeadline: [pid_t: Double] = [:]  // CPU seconds one second before the deadline
        while next < cases.count || !running.isEmpty {
            while running.count < Self.parallel && next < cases.count {
                let c = cases[next]
                let errors = s.file("case-\(next).err")
                let arguments = c.arguments.map { $0.replacingOccurrences(of: "<case>", with: String(next)) }
                let child = try ChildProcess(try XCTUnwrap(mpoBinary), arguments, environment: ["LOSSPATTERNS_HOME": home],
                                             output: s.file("case-\(next).out"), errors: .toFile(errors), directory: s.path)
                running.append((c, child, Date(), errors))
                next += 1
            }
            usleep(10_000)
            running.removeAll { c, child, started, errors in
                var status: Int32 = 0
                var usage = rusage()
                let elapsed = Date().timeIntervalSince(started)
                if wait4(child.pid, &status, WNOHANG, &usage) == child.pid {
                    verdicts.append((c, Verdict(problem: Self.judge(status: status, maxRSS: usage.ru_maxrss * 1024, errors: errors), seconds: elapsed)))
                    return true
                }
                let rss = Self.rss(child.pid)
                if elapsed > Self.deadline - 1, cpuBeforeDeadline[child.pid] == nil { cpuBeforeDeadline[child.pid] = Self.cpuSeconds(child.pid) }
                if rss > Self.rssCap || elapsed > Self.deadline {
                    let cpu = Self.cpuSeconds(child.pid), lastSecond = cpu - (cpuBeforeDeadline[child.pid] ?? 0)
                    kill(child.pid, SIGKILL)
                    waitpid(child.pid, &status, 0)
                    let problem: String? = rss > Self.rssCap ? "uses \(rss >> 20) MB"
                        : lastSecond < 0.05 ? "still running after \(Int(elapsed)) s, idle in its last second (\(String(format: "%.2f", cpu)) s CPU in all): a hang" : nil
                    verdicts.append((c, Verdict(problem: problem, seconds: elapsed)))
                    return true
                }
                return false
            }
        }
        let failures = verdicts.filter { $0.1.problem != nil }
        for (c, v) in failures { XCTFail("\(c.label): \(v.problem!)\n  mpo \(c.arguments.map { $0.count > 60 ? "<long>" : $0 }.joined(separator: " "))") }
        let slowest = verdicts.max { $0.1.seconds < $1.1.seconds }
        print(String(format: "hostile options: %d cases, %d failed, %.0f s; slowest %@ (%.1f s)", verdicts.count, failures.count,
                     Date().timeIntervalSince(start), slowest?.0.label ?? "-", slowest?.1.seconds ?? 0))
    }

    /// nil when the exit is acceptable.
    static func judge(status: Int32, maxRSS: Int, errors: String) -> String? {
        if status & 0x7F != 0 { return "killed by signal \(status & 0x7F)" }
        // A spawned child's ru_maxrss starts from this test process's own peak (the address space
        // it shared until exec), so only a peak above ours is the child's own.
        var own = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &own)
        if maxRSS > rssCap && maxRSS > own.ru_maxrss * 1024 { return "peak memory \(maxRSS >> 20) MB" }
        let code = (status >> 8) & 0xFF
        if code == 0 { return nil }
        guard code == 1 || code == 64 else { return "exit status \(code)" }
        let text = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").filter { !$0.hasPrefix("note:") && !$0.hasPrefix("warning:") }
        guard lines.count == 1, lines[0].hasPrefix("Error: "), lines[0].count <= 500 else {
            return "exit \(code) without a one-line error; stderr: \(text.prefix(600))"
        }
        return nil
    }

    /// Resident memory in bytes (0 once gone).
    static func rss(_ pid: pid_t) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) else { return 0 }
        let pages = text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// User + system CPU seconds so far, all threads.
    static func cpuSeconds(_ pid: pid_t) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // after the command: state is field 3, utime 14, stime 15
        guard fields.count > 13, let u = Double(fields[11]), let s = Double(fields[12]) else { return 0 }
        return (u + s) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The cases of the issue, each a one-line error naming the option (and the memory it
    /// would take where it is a size), or a note and a normal run.
    func testTheReportedCasesGiveOneLineErrors() throws {
        guard mpoBinary != nil else { throw XCTSkip("no mpo binary (make test builds it; or set MPO_BINARY)") }
        let s = try TemporaryFolder()
        defer { withExtendedLifetime(s) {} }
        let cases: [([String], String)] = [
            (["train", "--batch", "100000000"], "--batch 100000000: must be 1...16384 (it would need about"),
            (["train", "--batch", "0"], "--batch 0: must be 1...16384"),
            (["train", "--lr", "nan"], "--lr nan: must be a finite number"),
            (["train", "--cells", "100000000"], "--cells 100000000: must be 1...4096 (it would need about"),
            (["train", "--cells", "0"], "--cells 0: must be 1...4096"),
            (["train", "--eval-images", "0"], "--eval-images 0: must be 1...10000"),
            (["explore", "--batch=-1"], "--batch -1: must be 1...16384"),
            (["train", "--lr", "inf"], "--lr inf: must be a finite number"),
            (["train", "--clip", "0"], "--clip 0.0: must be above 0 and at most 1000"),
            (["train", "--clip", "nan"], "--clip nan: must be a finite number"),
            (["train", "--net", "paper-bn", "--batch", "16384", "--cells", "4096"], "of memory; this machine has"),
        ]
        for (arguments, expected) in cases {
            let errors = s.file("err")
            let child = try ChildProcess(try XCTUnwrap(mpoBinary), arguments, output: s.file("out"), errors: .toFile(errors), directory: s.path)
            let status = child.wait(timeout: 30)
            let text = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
            XCTAssertEqual(status >> 8, 64, "\(arguments): \(text)")
            XCTAssertEqual(text.split(separator: "\n").count, 1, "\(arguments): \(text)")
            XCTAssertTrue(text.hasPrefix("Error: ") && text.contains(expected), "\(arguments): \(text)")
        }
        guard fashionMNISTAvailable else { return }
        let r = try runMPO(["train", "ring", "--workers", "100000", "--preset", "tiny", "--steps", "1", "--eval-images", "10", "--preview-every", "0"],
                           in: s, timeout: 60)
        XCTAssertEqual(r.code, 0, r.output)
        XCTAssertTrue(r.output.contains("note: --workers 100000 is more than the"), r.output)
    }
}
