import Foundation
import XCTest

/// A private tmux server driven like a person at a terminal (recipe: TUI-TESTING.md).
/// tmux runs through posix_spawn with an empty signal mask (the test runner blocks signals,
/// which the explorer would inherit) and its output goes to a file, never a pipe (the tmux
/// server keeps a pipe open forever).
public final class Tmux {
    public let socket = "lp-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    public let target = "t"
    private let output = FileManager.default.temporaryDirectory.appendingPathComponent("lp-tmux-\(UUID().uuidString).out").path

    public static var available: Bool { executable != nil }

    public static let executable: String? = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    public init() {}

    deinit {
        _ = try? run(["kill-server"])
        try? FileManager.default.removeItem(atPath: output)
    }

    /// Runs one tmux command and returns its standard output.
    @discardableResult
    public func run(_ arguments: [String]) throws -> String {
        // The environment passes through as is: the explorer sessions tmux starts inherit it.
        let child = try ChildProcess(Self.executable!, ["-L", socket, "-f", "/dev/null"] + arguments, output: output,
                                     errors: .discarded, quietCrashes: false)
        child.wait(timeout: 60)
        return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }

    public func start(width: Int, height: Int, command: String) throws {
        try run(["new-session", "-d", "-s", target, "-x", String(width), "-y", String(height), command])
    }

    /// Starts `binary arguments` (shell words) in a `width` x `height` window as a user's terminal
    /// would: xterm-256color without COLORTERM (256 colours, whatever terminal runs the tests),
    /// UTF-8, the project in `home`, no interactive crash backtrace; "EXIT=<status>" stays on
    /// screen for a minute after it ends.
    public func startProgram(_ binary: String, _ arguments: String, home: String, width: Int, height: Int) throws {
        let env = "env TERM=xterm-256color LANG=C.UTF-8 COLORTERM= LOSSPATTERNS_HOME=\(home) SWIFT_BACKTRACE=interactive=no"
        try start(width: width, height: height, command: "\(env) \(binary) \(arguments); echo EXIT=$?; sleep 60")
    }

    public func capture(escapes: Bool = false) throws -> String {
        try run(["capture-pane", "-p"] + (escapes ? ["-e"] : []) + ["-t", target])
    }

    /// Keys by tmux name ("l", "Enter", "S-Up", "Space").
    public func send(_ keys: String...) throws { try run(["send-keys", "-t", target] + keys) }

    /// Bytes as typed (escape sequences, mouse reports).
    public func type(_ text: String) throws { try run(["send-keys", "-t", target, "-l", text]) }

    public func resize(width: Int, height: Int) throws {
        try run(["resize-window", "-t", target, "-x", String(width), "-y", String(height)])
    }

    public func display(_ format: String) throws -> String {
        try run(["display", "-p", "-t", target, format]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Polls the screen until `condition` holds; fails with the last screen after `timeout` s.
    @discardableResult
    public func wait(_ what: String, timeout: TimeInterval = 20, file: StaticString = #filePath, line: UInt = #line,
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
    public func wait(for text: String, timeout: TimeInterval = 20, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try wait("\"\(text)\"", timeout: timeout, file: file, line: line) { $0.contains(text) }
    }
}
