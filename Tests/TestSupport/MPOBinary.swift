import Foundation

/// The `mpo` binary the process tests run: `$MPO_BINARY`, else the one built beside this test
/// bundle (same build, so the code just compiled), else `.build/release/mpo` (what `make test`
/// builds before the tests). nil when there is none.
public let mpoBinary: String? = {
    let fm = FileManager.default
    if let path = ProcessInfo.processInfo.environment["MPO_BINARY"], !path.isEmpty { return path }
    // Linux runs the test bundle as an executable in the build folder; macOS loads a .xctest bundle from it.
    let folders = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        + Bundle.allBundles.filter { $0.bundlePath.hasSuffix(".xctest") }.map { $0.bundleURL.deletingLastPathComponent() }
    let beside = folders.map { $0.appendingPathComponent("mpo").path }
    return (beside + [packageRootFolder + "/.build/release/mpo"]).first { fm.isExecutableFile(atPath: $0) }
}()

/// `mpoBinary`, else where `make test` builds it (so that a skip can say where it is missing).
public var mpoBinaryPath: String { mpoBinary ?? packageRootFolder + "/.build/release/mpo" }
