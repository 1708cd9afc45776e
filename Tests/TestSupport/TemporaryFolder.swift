import Foundation

/// A fresh folder under the system's temporary directory, named for the test that made it, and
/// removed by `remove()` or when released, its folders' permissions restored first (tests take
/// them away). Release builds may release an object after its last use, so a test that keeps one
/// in a local writes `defer { withExtendedLifetime(folder) {} }`.
public final class TemporaryFolder {
    public let path: String

    public init(_ label: String = #function) throws {
        let tag = label.filter { $0.isLetter || $0.isNumber }.prefix(40)
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("lp-\(tag)-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { remove() }

    public func remove() {
        Self.makeRemovable(path)
        try? FileManager.default.removeItem(atPath: path)
    }

    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    @discardableResult
    public func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let p = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    public func contents() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

    /// Gives the owner rwx on every folder below `path` (as `chmod -R u+rwX`; links not followed):
    /// removing a file needs only its folder's permissions.
    private static func makeRemovable(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return }
        chmod(path, (info.st_mode & 0o7777) | S_IRWXU)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
            makeRemovable((path as NSString).appendingPathComponent(name))
        }
    }
}
