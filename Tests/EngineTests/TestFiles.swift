import Foundation
import XCTest
@testable import Engine

/// A fresh folder under the system's temporary directory, removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init(_ label: String = #function) throws {
        let name = "losspatterns-\(label.filter { $0.isLetter || $0.isNumber })-\(getpid())-\(UUID().uuidString.prefix(8))"
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent(name)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        chmod(path, 0o755)
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let p = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    /// Writes `bytes` gzip-compressed by the system's gzip.
    @discardableResult
    func writeGzip(_ name: String, _ bytes: [UInt8]) throws -> String {
        try Data(gzip(bytes)).write(to: URL(fileURLWithPath: file(name)))
        return file(name)
    }

    func contents() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }
}

/// gzip by /bin/gzip (an independent implementation of the format we read).
func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
    let dir = try TemporaryDirectory()
    let raw = try dir.write("data", bytes)
    try run("/bin/gzip", ["-n", "-f", raw])
    return [UInt8](try Data(contentsOf: URL(fileURLWithPath: raw + ".gz")))
}

/// Compresses files in place (each `p` becomes `p.gz`) with one gzip process.
func gzipFiles(_ paths: [String]) throws {
    if !paths.isEmpty { try run("/bin/gzip", ["-n", "-f"] + paths) }
}

/// Runs a program to completion; returns its standard output, throws on a nonzero exit.
@discardableResult
func run(_ program: String, _ arguments: [String]) throws -> String {
    String(decoding: try runData(program, arguments), as: UTF8.self)
}

func runData(_ program: String, _ arguments: [String]) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let output = out.fileHandleForReading.readDataToEndOfFile()
    let errors = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw DataError(program, "exit \(process.terminationStatus): \(String(decoding: errors, as: UTF8.self))")
    }
    return output
}

/// Asserts `body` throws a DataError for `path` whose message contains every one of `words`.
func assertDataError<T>(
    _ body: @autoclosure () throws -> T, path: String, _ words: String..., file: StaticString = #filePath, line: UInt = #line
) {
    do {
        _ = try body()
        XCTFail("no error; expected one about \(path): \(words)", file: file, line: line)
    } catch let error as DataError {
        XCTAssertEqual(error.path, path, "\(error)", file: file, line: line)
        XCTAssertTrue(error.description.contains(path), "\(error)", file: file, line: line)
        for word in words {
            XCTAssertTrue(error.problem.lowercased().contains(word.lowercased()), "\"\(error)\" should mention \"\(word)\"", file: file, line: line)
        }
    } catch {
        XCTFail("expected a DataError, got \(error)", file: file, line: line)
    }
}

extension FixedWidthInteger {
    var bigEndianBytes: [UInt8] { withUnsafeBytes(of: bigEndian) { [UInt8]($0) } }
    var littleEndianBytes: [UInt8] { withUnsafeBytes(of: littleEndian) { [UInt8]($0) } }
}

