import Foundation

/// A child process started the way a user's shell would start it, not the way the test runner
/// is running: an empty signal mask and default signal actions (XCTest blocks and ignores
/// signals, and a child inherits both), output to a file, never a pipe (a chatty child, or a
/// tmux server that keeps its end open forever, would block on a pipe).
public final class ChildProcess {
    public enum Errors { case toOutput, discarded, toFile(String) }

    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
    }

    public let pid: pid_t
    public let outputPath: String
    public private(set) var exitStatus: Int32?

    /// `environment` is added to this process's; `quietCrashes` turns off Swift's backtracer
    /// (seconds per crash); `directory` is the child's working folder.
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], output: String,
                errors: Errors = .toOutput, quietCrashes: Bool = true, directory: String? = nil) throws {
        outputPath = output
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        switch errors {
        case .toOutput: posix_spawn_file_actions_adddup2(&actions, 1, 2)
        case .discarded: posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        case .toFile(let path): posix_spawn_file_actions_addopen(&actions, 2, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()  // signals this test process may ignore, back to their defaults
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGXFSZ, SIGWINCH] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var env = ProcessInfo.processInfo.environment
        if quietCrashes { env["SWIFT_BACKTRACE"] = "enable=no" }
        for (k, v) in environment { env[k] = v }
        // env -C changes folder and execs the program in place (same pid).
        let program = directory == nil ? executable : "/usr/bin/env"
        let argv = (directory.map { ["/usr/bin/env", "-C", $0, executable] } ?? [executable]) + arguments
        let cArgs = argv.map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (cArgs + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let err = posix_spawn(&pid, program, &actions, &attributes, cArgs, envp)
        guard err == 0 else { throw SpawnError(description: "\(executable): cannot start: \(String(cString: strerror(err)))") }
        self.pid = pid
    }

    /// Sends `signal` (only to this child).
    public func kill(_ signal: Int32) { Glibc.kill(pid, signal) }

    /// Waits for the exit (at most `timeout` s; then SIGKILL) and returns the wait status.
    @discardableResult
    public func wait(timeout: Double = 120) -> Int32 {
        if let exitStatus { return exitStatus }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline {
                Glibc.kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                break
            }
            usleep(2_000)
        }
        exitStatus = status
        return status
    }

    public var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// Polls the output until it contains `text` or the child exits or `timeout` passes.
    public func waitForOutput(_ text: String, timeout: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if output.contains(text) { return true }
            var status: Int32 = 0
            if exitStatus == nil, waitpid(pid, &status, WNOHANG) == pid { exitStatus = status; return output.contains(text) }
            if exitStatus != nil { return output.contains(text) }
            usleep(20_000)
        }
        return false
    }
}
