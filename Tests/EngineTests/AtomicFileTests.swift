import TestSupport
import XCTest
@testable import Engine

final class AtomicFileTests: XCTestCase {
    func contents(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    func testWritesAndReplaces() throws {
        let dir = try TemporaryFolder()
        let path = dir.file("plane.safetensors")
        try AtomicFile.write([1, 2, 3], to: path)
        XCTAssertEqual(try contents(path), [1, 2, 3])
        let big = [UInt8](repeating: 9, count: 3 << 20)
        try AtomicFile.write(big, to: path)
        XCTAssertEqual(try contents(path), big)
        try AtomicFile.write([], to: path)
        XCTAssertEqual(try contents(path), [])
        XCTAssertEqual(try dir.contents(), ["plane.safetensors"], "no temporary file left behind")
    }

    /// The new bytes never replace the old file piecemeal: the old file is either replaced
    /// whole (rename) or, when writing fails, left as it was.
    func testFailedWriteKeepsTheOldFile() throws {
        let dir = try TemporaryFolder()
        let path = dir.file("keep")
        try AtomicFile.write([7, 7, 7], to: path)
        // The temporary name is taken by a directory: the write fails before touching `path`.
        let blocker = dir.file(".keep.\(getpid()).tmp")
        try FileManager.default.createDirectory(atPath: blocker, withIntermediateDirectories: false)
        assertDataError(try AtomicFile.write([1, 2], to: path), path: path, "cannot write")
        XCTAssertEqual(try contents(path), [7, 7, 7])
        try FileManager.default.removeItem(atPath: blocker)
        // The target is a directory: the rename fails, and the temporary file is removed.
        let folder = dir.file("folder")
        try FileManager.default.createDirectory(atPath: folder + "/inside", withIntermediateDirectories: true)
        assertDataError(try AtomicFile.write([1], to: folder), path: folder, "cannot replace")
        XCTAssertEqual(try dir.contents(), ["folder", "keep"])
        assertDataError(try AtomicFile.write([1], to: dir.file("no/such/dir/f")), path: dir.file("no/such/dir/f"), "cannot write")
    }

    func testNonWritableDirectory() throws {
        guard geteuid() != 0 else { throw XCTSkip("root writes into read-only directories; see testReadOnlyFileSystem") }
        let dir = try TemporaryFolder()
        let path = dir.file("keep")
        try AtomicFile.write([5, 6], to: path)
        chmod(dir.path, 0o555)
        defer { chmod(dir.path, 0o755) }
        assertDataError(try AtomicFile.write([1, 2, 3], to: path), path: path, "cannot write", "permission denied")
        XCTAssertEqual(try contents(path), [5, 6])
    }

    /// /proc refuses new files even to root: the existing file there stays as it was.
    func testReadOnlyFileSystem() throws {
        let path = "/proc/version"
        guard let before = try? contents(path), !before.isEmpty else { throw XCTSkip("no /proc/version") }
        assertDataError(try AtomicFile.write([1, 2, 3], to: path), path: path, "cannot write")
        XCTAssertEqual(try contents(path), before)
    }
}
