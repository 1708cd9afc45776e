import Foundation
import TestSupport
import XCTest

/// A private tmux server driven like a person at a terminal (recipe: TUI-TESTING.md).
/// tmux runs through posix_spawn with an empty signal mask (the test runner blocks signals,
/// which the explorer would inherit) and its output goes to a file, never a pipe (the tmux
/// server keeps a pipe open forever).
final class Tmux {
    let socket = "lp-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let target = "t"
    private let output = FileManager.default.temporaryDirectory.appendingPathComponent("lp-tmux-\(UUID().uuidString).out").path

    static var available: Bool { executable != nil }

    static let executable: String? = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    deinit {
        _ = try? run(["kill-server"])
        try? FileManager.default.removeItem(atPath: output)
    }

    /// Runs one tmux command and returns its standard output.
    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        // The environment passes through as is: the explorer sessions tmux starts inherit it.
        let child = try ChildProcess(Self.executable!, ["-L", socket, "-f", "/dev/null"] + arguments, output: output,
                                     errors: .discarded, quietCrashes: false)
        child.wait(timeout: 60)
        return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }

    func start(width: Int, height: Int, command: String) throws {
        try run(["new-session", "-d", "-s", target, "-x", String(width), "-y", String(height), command])
    }

    func capture(escapes: Bool = false) throws -> String {
        try run(["capture-pane", "-p"] + (escapes ? ["-e"] : []) + ["-t", target])
    }

    /// Keys by tmux name ("l", "Enter", "S-Up", "Space").
    func send(_ keys: String...) throws { try run(["send-keys", "-t", target] + keys) }

    /// Bytes as typed (escape sequences, mouse reports).
    func type(_ text: String) throws { try run(["send-keys", "-t", target, "-l", text]) }

    func resize(width: Int, height: Int) throws {
        try run(["resize-window", "-t", target, "-x", String(width), "-y", String(height)])
    }

    func display(_ format: String) throws -> String {
        try run(["display", "-p", "-t", target, format]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Polls the screen until `condition` holds; fails with the last screen after `timeout` s.
    @discardableResult
    func wait(_ what: String, timeout: TimeInterval = 20, file: StaticString = #filePath, line: UInt = #line,
              until condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = ""
        repeat {
            screen = try capture()
            if condition(screen) { return screen }
            Thread.sleep(forTimeInterval: 0.05)
        } while Date() < deadline
        XCTFail("timed out after \(Int(timeout)) s waiting for \(what); the screen was:\n\(screen)", file: file, line: line)
        throw TmuxError(description: "timed out waiting for \(what)")
    }

    @discardableResult
    func wait(for text: String, timeout: TimeInterval = 20, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try wait("\"\(text)\"", timeout: timeout, file: file, line: line) { $0.contains(text) }
    }
}

struct TmuxError: Error, CustomStringConvertible {
    let description: String
}

extension String {
    /// The screen line that contains `text` (first match), for reading panel values.
    func line(containing text: String) -> String? {
        split(separator: "\n", omittingEmptySubsequences: false).first { $0.contains(text) }.map(String.init)
    }

    func line(_ n: Int) -> String {
        let lines = split(separator: "\n", omittingEmptySubsequences: false)
        return n < lines.count ? String(lines[n]) : ""
    }
}
