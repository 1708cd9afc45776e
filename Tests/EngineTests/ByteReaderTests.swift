import TestSupport
import XCTest
@testable import Engine

final class ByteReaderTests: XCTestCase {
    /// 300 KB of compressible but not trivial bytes: several 64 KB reads of the compressed file.
    static let content: [UInt8] = {
        var rng = Xoshiro256(seed: 70)
        return (0..<300_000).map { i in UInt8(truncatingIfNeeded: i / 7 + (rng.below(4) == 0 ? rng.below(256) : 0)) }
    }()

    /// Reads everything in chunks of awkward sizes, checking atEnd and position on the way.
    func readAll(_ reader: ByteReader) throws -> [UInt8] {
        var out: [UInt8] = []
        var sizes = [1, 7, 65_536, 3, 100_003, 2]
        while try !reader.atEnd() {
            let size = sizes.removeFirst()
            sizes.append(size)
            out += try reader.readUpTo(size)
            XCTAssertEqual(reader.position, out.count)
        }
        return out
    }

    func testRawAndGzipGiveTheSameBytes() throws {
        let dir = try TemporaryFolder()
        let raw = try dir.write("raw", Self.content)
        try dir.write("packed", Self.content)
        try Gzip.compressInPlace([dir.file("packed")])
        let plain = try ByteReader(path: raw), packed = try ByteReader(path: dir.file("packed.gz"))
        XCTAssertFalse(plain.isCompressed)
        XCTAssertTrue(packed.isCompressed)
        XCTAssertEqual(try readAll(plain), Self.content)
        XCTAssertEqual(try readAll(packed), Self.content)
        XCTAssertEqual(try packed.readUpTo(10), [])
        assertDataError(try packed.read(1, "more"), path: dir.file("packed.gz"), "truncated", "more", "offset 300000")
    }

    func testExactReads() throws {
        let dir = try TemporaryFolder()
        let path = try dir.write("f", [1, 2, 3, 4, 5])
        let r = try ByteReader(path: path)
        XCTAssertEqual(try r.read(2, "head"), [1, 2])
        XCTAssertFalse(try r.atEnd())
        XCTAssertFalse(try r.atEnd(), "atEnd does not consume")
        XCTAssertEqual(try r.read(3, "rest"), [3, 4, 5])
        XCTAssertTrue(try r.atEnd())
        assertDataError(try ByteReader(path: path).read(6, "six"), path: path, "truncated", "expected 6 bytes of six", "found 5")
        // Files shorter than gzip's magic, and one that starts like gzip but is not.
        XCTAssertEqual(try ByteReader(path: try dir.write("one", [0x1F])).readUpTo(4), [0x1F])
        XCTAssertTrue(try ByteReader(path: try dir.write("empty", [])).atEnd())
        assertDataError(try ByteReader(path: try dir.write("fake.gz", [0x1F, 0x8B, 0, 0, 0])).readUpTo(4), path: dir.file("fake.gz"), "gzip")
    }

    func testMissingAndDirectory() throws {
        let dir = try TemporaryFolder()
        assertDataError(try ByteReader(path: dir.file("none")), path: dir.file("none"), "not found")
        assertDataError(try ByteReader(path: dir.path), path: dir.path, "directory")
    }

    /// gzip(1) writes one member per file, but `cat a.gz b.gz` is a valid gzip file too.
    func testConcatenatedGzipMembers() throws {
        let dir = try TemporaryFolder()
        let path = try dir.write("two.gz", try Gzip.bySystemGzip([1, 2, 3]) + Gzip.bySystemGzip([4, 5]))
        XCTAssertEqual(try ByteReader(path: path).readUpTo(10), [1, 2, 3, 4, 5])
    }
}
