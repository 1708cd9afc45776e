import Engine
import Foundation
import MPO
import TestSupport
import XCTest

/// The package's root folder.
let packageRoot = packageRootFolder

/// Fashion-MNIST as Debian installs it; the process tests need it.
var fashionMNISTAvailable: Bool {
    FileManager.default.fileExists(atPath: DatasetKind.debianFashionMNIST + "/train-images-idx3-ubyte.gz")
}

/// Runs `mpo` to completion; (exit code or -signal, combined output).
/// `via`: a launcher (e.g. setpriv) whose arguments then include the binary.
func runMPO(_ arguments: [String], environment: [String: String] = [:], in scratch: TemporaryFolder, timeout: Double = 300,
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
