import Engine
import Foundation
import MPO
import TestSupport
import XCTest

/// Reading and writing patterns as Netpbm bitmaps (P1 text, P4 raw).
final class PBMTests: XCTestCase {
    func testP1RoundTripKeepsEveryCell() throws {
        for (w, h) in [(3, 3), (13, 5), (8, 8), (17, 31)] {
            let p = Pattern(width: w, height: h, bits: RenderTestKit.randomBits(width: w, height: h, seed: UInt64(w * 100 + h)), name: "r\(w)")
            let text = p.pbm
            XCTAssertTrue(text.hasPrefix("P1\n# "), "a comment line follows the magic")
            XCTAssertEqual(text.split(separator: "\n").count, 3 + h, "one line per row")
            let back = try Pattern.parsePBM(Array(text.utf8), path: "mem.pbm", name: "back")
            XCTAssertEqual(back.width, w)
            XCTAssertEqual(back.height, h)
            XCTAssertEqual(back.bits, p.bits)
        }
    }

    func testWriteThenReadFileUsesTheFileStemAsName() throws {
        let dir = try temporaryFolder().path
        let path = dir + "/odd-shape.pbm"
        let p = Pattern(width: 11, height: 4, bits: RenderTestKit.randomBits(width: 11, height: 4, seed: 9))
        try p.writePBM(to: path)
        let back = try Pattern.readPBM(path: path)
        XCTAssertEqual(back.bits, p.bits)
        XCTAssertEqual(back.name, "odd-shape")
    }

    func testP1WithCommentsTabsCRLFAndPackedDigits() throws {
        // Comments anywhere whitespace may be, CR LF line ends, tabs, and digits with no separator.
        let text = "P1 # plain bitmap\r\n# a comment line\n 5\t# width\n3 # height\r\n10101\n0 1 0\t1 0 # end of row\r\n1\n1\n1\n0\n0\n\n"
        let p = try Pattern.parsePBM(Array(text.utf8), path: "c.pbm", name: "c")
        XCTAssertEqual(p.width, 5)
        XCTAssertEqual(p.height, 3)
        XCTAssertEqual(p.bits, [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0])
    }

    func testP4WidthsNotMultipleOf8() throws {
        for w in [3, 7, 9, 11, 16, 20] {
            let h = 4
            let bits = RenderTestKit.randomBits(width: w, height: h, seed: UInt64(w))
            let rows = (0..<h).map { Array(bits[($0 * w)..<(($0 + 1) * w)]) }
            let p = try Pattern.parsePBM(RenderTestKit.p4(rows), path: "r.pbm", name: "r")
            XCTAssertEqual(p.width, w)
            XCTAssertEqual(p.bits, bits, "width \(w)")
        }
    }

    func testP4WithCommentsInTheHeaderAndPaddingBitsSet() throws {
        // The unused low bits of each row's last byte are set: they must be ignored.
        var bytes = Array("P4\n# raw\n10 # w\n3\n".utf8)
        bytes += [0b1010_1010, 0b11_111111, 0b0000_0000, 0b01_111111, 0b1111_1111, 0b00_111111]
        let p = try Pattern.parsePBM(bytes, path: "raw.pbm", name: "raw")
        XCTAssertEqual(p.bits, [1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0])
    }

    func testMalformedFilesAreRefusedNamingTheFile() throws {
        let dir = try temporaryFolder().path
        let cases: [(String, [UInt8], [String])] = [
            ("empty", [], ["not a PBM"]),
            ("magic", Array("P2\n3 3\n255\n".utf8), ["not a PBM"]),
            ("png", [0x89, 0x50, 0x4E, 0x47], ["not a PBM"]),
            ("truncated", Array("P1\n4 4\n1 0 1 0\n0 1\n".utf8), ["truncated", "6 of 16"]),
            ("no-height", Array("P1\n4\n".utf8), ["height"]),
            ("digit", Array("P1\n3 3\n1 0 1\n0 2 0\n1 0 1\n".utf8), ["'2'", "row 2"]),
            ("letter", Array("P1\n3 3\n1 0 1\n0 x 0\n1 0 1\n".utf8), ["'x'"]),
            ("absurd", Array("P1\n1000000000 1000000000\n".utf8), ["large"]),
            ("absurd-raw", Array("P4 1000000000 1000000000\n".utf8), ["large"]),
            ("big", Array("P1\n1000 1000\n".utf8), ["1000x1000", "outside"]),
            ("tiny", Array("P1\n2 2\n1 0 0 1\n".utf8), ["2x2", "outside"]),
            ("extra", Array("P1\n3 3\n1 0 1\n0 1 0\n1 0 1\n1\n".utf8), ["extra data"]),
            ("raw-truncated", Array("P4\n9 3\n".utf8) + [0xFF, 0x80, 0xFF], ["truncated"]),
            ("raw-no-space", Array("P4\n8 3".utf8), ["whitespace"]),
        ]
        for (name, bytes, words) in cases {
            let path = dir + "/\(name).pbm"
            _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
            let start = Date()
            RenderTestKit.expectDataError(try Pattern.readPBM(path: path), path: path, mentioning: words)
            XCTAssertLessThan(Date().timeIntervalSince(start), 0.5, "\(name) must be refused at once")
        }
        RenderTestKit.expectDataError(try Pattern.readPBM(path: dir + "/missing.pbm"), path: dir + "/missing.pbm", mentions: "not found")
        RenderTestKit.expectDataError(try Pattern.readPBM(path: dir), path: dir, mentions: "directory")
    }
}
