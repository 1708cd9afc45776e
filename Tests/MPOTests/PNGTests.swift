import Foundation
import TestSupport
import XCTest

@testable import Engine

/// PNG encoding and decoding, including hand-built files for what our encoder never writes
/// (every filter type, palettes, low bit depths, 16 bits) and damaged files.
final class PNGTests: XCTestCase {
    func image(_ w: Int, _ h: Int, channels: Int, seed: UInt64) -> PNG.Image {
        var rng = Xoshiro256(seed: seed)
        // Smooth gradients plus noise, so that every filter has something to win on.
        let pixels = (0..<(w * h * channels)).map { i -> UInt8 in
            let x = (i / channels) % w, y = (i / channels) / w
            return UInt8(truncatingIfNeeded: x * 9 + y * 5 + (i % channels) * 60 + Int(rng.next() % 6))
        }
        return PNG.Image(width: w, height: h, channels: channels, pixels: pixels)
    }

    func testRoundTripEveryChannelCount() throws {
        for channels in 1...4 {
            for (w, h) in [(1, 1), (13, 7), (64, 3)] {
                let original = image(w, h, channels: channels, seed: UInt64(channels * 1000 + w))
                let bytes = PNG.encode(original)
                XCTAssertEqual(Array(bytes[0..<8]), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
                let back = try PNG.decode(bytes, path: "mem.png")
                XCTAssertEqual(back, original, "\(channels) channels, \(w)x\(h)")
            }
        }
    }

    func testWriteAndReadAFile() throws {
        let path = try temporaryFolder().path + "/rgb.png"
        let original = image(30, 20, channels: 3, seed: 5)
        try PNG.write(original, to: path)
        XCTAssertEqual(try PNG.read(path: path), original)
        XCTAssertTrue(original.hasAlpha == false && image(2, 2, channels: 4, seed: 1).hasAlpha)
        XCTAssertEqual(Array(original[1, 0]), Array(original.pixels[3..<6]))
    }

    // MARK: Hand-built files

    /// Applies PNG filter `type` to one row (independently of the decoder's code).
    func filter(_ type: UInt8, row: [UInt8], prior: [UInt8], bpp: Int) -> [UInt8] {
        row.indices.map { i in
            let a = i >= bpp ? Int(row[i - bpp]) : 0, b = Int(prior[i]), c = i >= bpp ? Int(prior[i - bpp]) : 0
            let prediction: Int
            switch type {
            case 1: prediction = a
            case 2: prediction = b
            case 3: prediction = (a + b) / 2
            case 4:
                let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                prediction = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
            default: prediction = 0
            }
            return UInt8(truncatingIfNeeded: Int(row[i]) - prediction)
        }
    }

    /// A PNG from raw scanlines (already packed at `depth` bits), each with the filter of `filters`.
    func build(
        width: Int, height: Int, depth: UInt8, colorType: UInt8, rows: [[UInt8]], filters: [UInt8], bpp: Int,
        extra: [(String, [UInt8])] = [], interlace: UInt8 = 0
    ) -> [UInt8] {
        var raw: [UInt8] = []
        var prior = [UInt8](repeating: 0, count: rows[0].count)
        for (y, row) in rows.enumerated() {
            let f = filters[y % filters.count]
            raw.append(f)
            raw += filter(f, row: row, prior: prior, bpp: bpp)
            prior = row
        }
        var out = PNG.signature
        PNG.appendChunk("IHDR", PNG.bigEndian(UInt32(width)) + PNG.bigEndian(UInt32(height)) + [depth, colorType, 0, 0, interlace], to: &out)
        for (type, data) in extra { PNG.appendChunk(type, data, to: &out) }
        PNG.appendChunk("IDAT", PNG.deflate(raw), to: &out)
        PNG.appendChunk("IEND", [], to: &out)
        return out
    }

    func testAllFiveFilterTypesDecode() throws {
        let original = image(9, 10, channels: 3, seed: 11)
        let rows = (0..<10).map { Array(original.pixels[($0 * 27)..<(($0 + 1) * 27)]) }
        let bytes = build(width: 9, height: 10, depth: 8, colorType: 2, rows: rows, filters: [0, 1, 2, 3, 4], bpp: 3)
        XCTAssertEqual(try PNG.decode(bytes, path: "f.png"), original)
    }

    func testPaletteWithTransparencyAndLowBitDepths() throws {
        let palette: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255]
        // 2-bit indices, 5 pixels a row: 0 1 2 1 0 -> 00 01 10 01 | 00 (padding)
        let rows: [[UInt8]] = [[0b0001_1001, 0b0000_0000], [0b1010_1010, 0b1000_0000]]
        let bytes = build(width: 5, height: 2, depth: 2, colorType: 3, rows: rows, filters: [1, 0], bpp: 1,
                          extra: [("PLTE", palette), ("tRNS", [128])])
        let decoded = try PNG.decode(bytes, path: "p.png")
        XCTAssertEqual(decoded.channels, 4, "a tRNS chunk adds alpha")
        XCTAssertEqual(Array(decoded[0, 0]), [255, 0, 0, 128])
        XCTAssertEqual(Array(decoded[1, 0]), [0, 255, 0, 255])
        XCTAssertEqual(Array(decoded[2, 0]), [0, 0, 255, 255])
        XCTAssertEqual(Array(decoded[4, 1]), [0, 0, 255, 255])
        // Without tRNS: RGB.
        let opaque = build(width: 5, height: 2, depth: 2, colorType: 3, rows: rows, filters: [0], bpp: 1, extra: [("PLTE", palette)])
        XCTAssertEqual(try PNG.decode(opaque, path: "p.png").channels, 3)
        // An index beyond the palette is refused.
        let beyond = build(width: 5, height: 2, depth: 2, colorType: 3, rows: [[0xFF, 0xC0], [0, 0]], filters: [0], bpp: 1, extra: [("PLTE", palette)])
        RenderTestKit.expectDataError(try PNG.decode(beyond, path: "p.png"), path: "p.png", mentions: "palette index 3")
    }

    func testOneBitGrayAndSixteenBitGray() throws {
        // 10 pixels of 1 bit: 1011001110 -> bytes 10110011 10xxxxxx
        let oneBit = build(width: 10, height: 1, depth: 1, colorType: 0, rows: [[0b1011_0011, 0b1000_0000]], filters: [0], bpp: 1)
        XCTAssertEqual(try PNG.decode(oneBit, path: "g.png").pixels, [255, 0, 255, 255, 0, 0, 255, 255, 255, 0])
        let sixteen = build(width: 2, height: 1, depth: 16, colorType: 0, rows: [[0x12, 0x34, 0xAB, 0xCD]], filters: [1], bpp: 2)
        XCTAssertEqual(try PNG.decode(sixteen, path: "g.png").pixels, [0x12, 0xAB])
    }

    // MARK: Damaged files

    func valid() -> [UInt8] { PNG.encode(image(8, 8, channels: 1, seed: 2)) }

    func testBadSignature() {
        var bytes = valid()
        bytes[1] = UInt8(ascii: "X")
        RenderTestKit.expectDataError(try PNG.decode(bytes, path: "s.png"), path: "s.png", mentions: "signature")
        RenderTestKit.expectDataError(try PNG.decode([], path: "s.png"), path: "s.png", mentions: "signature")
        RenderTestKit.expectDataError(try PNG.decode(Array("P1\n3 3\n".utf8), path: "s.png"), path: "s.png", mentions: "not a PNG")
    }

    func testBadCRC() {
        var bytes = valid()
        bytes[8 + 8 + 3] ^= 0x01  // inside IHDR's width
        RenderTestKit.expectDataError(try PNG.decode(bytes, path: "c.png"), path: "c.png", mentions: "IHDR", "CRC")
        var idat = valid()
        idat[idat.count - 12 - 6] ^= 0x40  // in IDAT's data
        RenderTestKit.expectDataError(try PNG.decode(idat, path: "c.png"), path: "c.png", mentions: "IDAT", "CRC")
    }

    /// With the check off (fuzzing), only the checksum is ignored: a wrong CRC of an intact chunk
    /// decodes as the file would.
    func testCRCCheckOff() throws {
        var bytes = valid()
        bytes[8 + 8 + 13] ^= 0x01  // IHDR's stored CRC
        RenderTestKit.expectDataError(try PNG.decode(bytes, path: "c.png"), path: "c.png", mentions: "IHDR", "CRC")
        XCTAssertEqual(try PNG.decode(bytes, path: "c.png", checksCRC: false), try PNG.decode(valid(), path: "c.png"))
    }

    func testTruncatedFiles() {
        let bytes = valid()
        for cut in [10, 20, 33 + 5, bytes.count - 12 - 3, bytes.count - 12, bytes.count - 1] {
            RenderTestKit.expectDataError(try PNG.decode(Array(bytes[0..<cut]), path: "t.png"), path: "t.png", mentions: "truncated")
        }
    }

    func testHugeDimensionsAreRefusedBeforeAllocating() {
        for (w, h) in [(100_000, 100_000), (0x7FFF_FFFF, 1), (16384, 16384), (20000, 2)] {
            let bytes = build(width: w, height: h, depth: 8, colorType: 0, rows: [[0]], filters: [0], bpp: 1)
            RenderTestKit.expectDataError(try PNG.decode(bytes, path: "h.png"), path: "h.png", mentions: "too large")
        }
        // Allowed dimensions, but far more pixels than the compressed data could ever hold.
        let lying = build(width: 4000, height: 4000, depth: 8, colorType: 6, rows: [[0, 0, 0, 0]], filters: [0], bpp: 4)
        let start = Date()
        RenderTestKit.expectDataError(try PNG.decode(lying, path: "h.png"), path: "h.png", mentions: "truncated")
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.5)
    }

    func testOtherDamage() {
        let rows: [[UInt8]] = [[1, 2, 3], [4, 5, 6]]
        let zero = build(width: 0, height: 2, depth: 8, colorType: 0, rows: rows, filters: [0], bpp: 1)
        RenderTestKit.expectDataError(try PNG.decode(zero, path: "d.png"), path: "d.png", mentions: "size 0x2")
        let interlaced = build(width: 3, height: 2, depth: 8, colorType: 0, rows: rows, filters: [0], bpp: 1, interlace: 1)
        RenderTestKit.expectDataError(try PNG.decode(interlaced, path: "d.png"), path: "d.png", mentions: "interlaced")
        let depth = build(width: 3, height: 2, depth: 4, colorType: 2, rows: rows, filters: [0], bpp: 1)
        RenderTestKit.expectDataError(try PNG.decode(depth, path: "d.png"), path: "d.png", mentions: "bit depth 4")
        let tooMuch = build(width: 2, height: 2, depth: 8, colorType: 0, rows: rows, filters: [0], bpp: 1)
        RenderTestKit.expectDataError(try PNG.decode(tooMuch, path: "d.png"), path: "d.png", mentions: "more image data")
        let tooLittle = build(width: 4, height: 2, depth: 8, colorType: 0, rows: rows, filters: [0], bpp: 1)
        RenderTestKit.expectDataError(try PNG.decode(tooLittle, path: "d.png"), path: "d.png", mentions: "holds")
        let badFilter = build(width: 3, height: 2, depth: 8, colorType: 0, rows: rows, filters: [5], bpp: 1)
        RenderTestKit.expectDataError(try PNG.decode(badFilter, path: "d.png"), path: "d.png", mentions: "filter type 5")
        let critical = build(width: 3, height: 2, depth: 8, colorType: 0, rows: rows, filters: [0], bpp: 1, extra: [("ABCD", [1])])
        RenderTestKit.expectDataError(try PNG.decode(critical, path: "d.png"), path: "d.png", mentions: "critical chunk ABCD")
        let ancillary = build(width: 3, height: 2, depth: 8, colorType: 0, rows: rows, filters: [0], bpp: 1, extra: [("tEXt", Array("a\0b".utf8))])
        XCTAssertEqual(try? PNG.decode(ancillary, path: "d.png").pixels, [1, 2, 3, 4, 5, 6], "ancillary chunks are skipped")
        let noPalette = build(width: 3, height: 2, depth: 8, colorType: 3, rows: rows, filters: [0], bpp: 1)
        RenderTestKit.expectDataError(try PNG.decode(noPalette, path: "d.png"), path: "d.png", mentions: "PLTE")
        var garbage = PNG.signature
        PNG.appendChunk("IHDR", PNG.bigEndian(3) + PNG.bigEndian(2) + [8, 0, 0, 0, 0], to: &garbage)
        PNG.appendChunk("IDAT", [1, 2, 3, 4, 5], to: &garbage)
        PNG.appendChunk("IEND", [], to: &garbage)
        RenderTestKit.expectDataError(try PNG.decode(garbage, path: "d.png"), path: "d.png", mentions: "inflate")
        var length = valid()
        length[8 + 25] = 0x7F  // IDAT's length field (after the signature and the 25-byte IHDR chunk): enormous
        RenderTestKit.expectDataError(try PNG.decode(length, path: "d.png"), path: "d.png", mentions: "truncated", "IDAT")
    }

    func testMissingAndDirectoryPaths() throws {
        let dir = try temporaryFolder().path
        RenderTestKit.expectDataError(try PNG.read(path: dir + "/none.png"), path: dir + "/none.png", mentions: "not found")
        RenderTestKit.expectDataError(try PNG.read(path: dir), path: dir, mentions: "directory")
    }
}
