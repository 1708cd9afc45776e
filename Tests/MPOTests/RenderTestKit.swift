import Engine
import Foundation
import XCTest

/// Helpers for the pattern, PNG and heatmap-image tests (namespaced so other test files may
/// define their own helpers freely).
enum RenderTestKit {
    /// The repository root (for Patterns/).
    static var root: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// Asserts that `expression` throws a DataError for `path` whose problem mentions every one of `words`.
    static func expectDataError<T>(
        _ expression: @autoclosure () throws -> T, path: String, mentions words: String...,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        expectDataError(try expression(), path: path, mentioning: words, file: file, line: line)
    }

    static func expectDataError<T>(
        _ expression: @autoclosure () throws -> T, path: String, mentioning words: [String],
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            guard let e = error as? DataError else { return XCTFail("not a DataError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.path, path, "the error must name the file", file: file, line: line)
            XCTAssertTrue(e.description.hasPrefix(path + ": "), file: file, line: line)
            for word in words {
                XCTAssertTrue(e.problem.lowercased().contains(word.lowercased()), "\"\(e.problem)\" does not mention \"\(word)\"", file: file, line: line)
            }
        }
    }

    /// P4 bytes: header, then rows packed 8 pixels a byte, most significant bit first, padded.
    static func p4(_ bits: [[UInt8]], header: String? = nil) -> [UInt8] {
        let width = bits[0].count
        var out = Array((header ?? "P4\n\(width) \(bits.count)\n").utf8)
        for row in bits {
            var bytes = [UInt8](repeating: 0, count: (width + 7) / 8)
            for (c, b) in row.enumerated() where b != 0 { bytes[c / 8] |= 0x80 >> UInt8(c % 8) }
            out += bytes
        }
        return out
    }

    /// A deterministic pseudo-random picture.
    static func randomBits(width: Int, height: Int, seed: UInt64) -> [UInt8] {
        var rng = Xoshiro256(seed: seed)
        return (0..<(width * height)).map { _ in UInt8(rng.next() >> 63) }
    }
}
