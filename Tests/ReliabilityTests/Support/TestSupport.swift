import Engine
import Foundation
import MPO
import TestSupport
import XCTest

/// The package's root folder.
let packageRoot = packageRootFolder

/// The `mpo` binary the process tests run: `$MPO_BINARY`, else the one built beside this test
/// bundle (same build, so the code just compiled), else `.build/release/mpo` (what `make test`
/// builds before the tests). nil when there is none.
let mpoBinary: String? = {
    let fm = FileManager.default
    if let path = ProcessInfo.processInfo.environment["MPO_BINARY"], !path.isEmpty { return path }
    // Linux runs the test bundle as an executable in the build folder; macOS loads a .xctest bundle from it.
    let folders = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        + Bundle.allBundles.filter { $0.bundlePath.hasSuffix(".xctest") }.map { $0.bundleURL.deletingLastPathComponent() }
    let beside = folders.map { $0.appendingPathComponent("mpo").path }
    return (beside + [packageRoot + "/.build/release/mpo"]).first { fm.isExecutableFile(atPath: $0) }
}()

/// Fashion-MNIST as Debian installs it; the process tests need it.
var fashionMNISTAvailable: Bool {
    FileManager.default.fileExists(atPath: DatasetKind.debianFashionMNIST + "/train-images-idx3-ubyte.gz")
}

/// A fresh folder under /tmp, removed (permissions restored first) when released. Release
/// builds may release an object after its last use, so tests keep it with
/// `defer { withExtendedLifetime(s) {} }`.
final class Scratch {
    let path: String

    init(_ label: String = #function) throws {
        let tag = label.filter { $0.isLetter || $0.isNumber }.prefix(40)
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("lp-rel-\(tag)-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        _ = try? Process.run(URL(fileURLWithPath: "/bin/chmod"), arguments: ["-R", "u+rwX", path]).waitUntilExit()
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// A project folder (LOSSPATTERNS_HOME) with Patterns/ holding the shipped patterns and an empty Checkpoints/.
    func makeHome(_ name: String = "home") throws -> String {
        let home = file(name)
        try FileManager.default.createDirectory(atPath: home + "/Checkpoints", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: packageRoot + "/Patterns", toPath: home + "/Patterns")
        return home
    }
}

/// Runs `mpo` to completion; (exit code or -signal, combined output).
/// `via`: a launcher (e.g. setpriv) whose arguments then include the binary.
func runMPO(_ arguments: [String], environment: [String: String] = [:], in scratch: Scratch, timeout: Double = 300,
            via launcher: String? = nil) throws -> (code: Int32, output: String) {
    let binary = try XCTUnwrap(mpoBinary, "no mpo binary (build it: swift build -c release, or set MPO_BINARY)")
    let child = try ChildProcess(launcher ?? binary, arguments, environment: environment,
                                 output: scratch.file("mpo-\(UUID().uuidString.prefix(6)).out"), directory: scratch.path)
    let status = child.wait(timeout: timeout)
    let code: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : -(status & 0x7F)
    return (code, child.output)
}

/// Whether this process may mount file systems (root in a container that allows it).
let canMount: Bool = {
    guard geteuid() == 0 else { return false }
    let probe = NSTemporaryDirectory() + "lp-mount-probe-\(getpid())"
    try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: probe) }
    guard shell("mount -t tmpfs -o size=16k tmpfs '\(probe)'") == 0 else { return false }
    _ = shell("umount '\(probe)'")
    return true
}()

/// Runs a shell command line, returning its exit status (output discarded).
@discardableResult
func shell(_ command: String) -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", command + " >/dev/null 2>&1"]
    do { try p.run() } catch { return -1 }
    p.waitUntilExit()
    return p.terminationStatus
}
