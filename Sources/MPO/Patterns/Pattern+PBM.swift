import Engine
import Foundation

/// Netpbm bitmaps: P1 (plain text) and P4 (raw bits) are read, P1 is written so a person can
/// edit a pattern in a text editor. In PBM, 1 is black — a good cell.
extension Pattern {
    public static func readPBM(path: String) throws -> Pattern {
        // Checked first: on Linux a directory opens as a file and reads as empty.
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        guard exists, !isDirectory.boolValue else {
            throw DataError(path, !exists ? "file not found" : "is a directory, expected a .pbm file")
        }
        try ByteReader.checkRegularFile(path)  // before opening: a FIFO would block the open
        guard let handle = FileHandle(forReadingAtPath: path) else { throw DataError(path, "cannot be opened") }
        defer { try? handle.close() }
        // The largest PBM we accept (512x512 plain, with generous whitespace and comments) is far below this.
        let limit = 4 << 20
        let data = [UInt8]((try? handle.read(upToCount: limit + 1)) ?? Data())
        guard data.count <= limit else { throw DataError(path, "larger than \(limit) bytes; not a pattern") }
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return try parsePBM(data, path: path, name: name)
    }

    public static func parsePBM(_ data: [UInt8], path: String, name: String) throws -> Pattern {
        var i = 0
        func skipSpaceAndComments() {
            while i < data.count {
                if data[i] == UInt8(ascii: "#") {
                    while i < data.count && data[i] != 10 && data[i] != 13 { i += 1 }
                } else if [9, 10, 11, 12, 13, 32].contains(data[i]) {
                    i += 1
                } else {
                    return
                }
            }
        }
        func number(_ what: String) throws -> Int {
            skipSpaceAndComments()
            var value = 0, digits = 0
            while i < data.count, data[i] >= 48, data[i] <= 57 {
                value = value * 10 + Int(data[i] - 48)
                digits += 1
                i += 1
                guard value <= maxSide * 1000 else { throw DataError(path, "\(what) is absurdly large") }
            }
            guard digits > 0 else { throw DataError(path, "expected the \(what) as a number") }
            return value
        }
        guard data.count >= 2, data[0] == UInt8(ascii: "P"), data[1] == UInt8(ascii: "1") || data[1] == UInt8(ascii: "4") else {
            throw DataError(path, "not a PBM bitmap (must start with P1 or P4)")
        }
        let raw = data[1] == UInt8(ascii: "4")
        i = 2
        let width = try number("width"), height = try number("height")
        guard (minSide...maxSide).contains(width), (minSide...maxSide).contains(height) else {
            throw DataError(path, "size \(width)x\(height) is outside \(minSide)...\(maxSide) per side")
        }
        var bits = [UInt8](repeating: 0, count: width * height)
        if raw {
            guard i < data.count, [9, 10, 11, 12, 13, 32].contains(data[i]) else {
                throw DataError(path, "expected one whitespace byte before the raw bits")
            }
            i += 1
            let rowBytes = (width + 7) / 8
            guard data.count - i >= rowBytes * height else {
                throw DataError(path, "truncated: \(height) rows need \(rowBytes * height) bytes, found \(data.count - i)")
            }
            for r in 0..<height {
                for c in 0..<width {
                    let byte = data[i + r * rowBytes + c / 8]
                    bits[r * width + c] = (byte >> (7 - UInt8(c % 8))) & 1
                }
            }
        } else {
            var k = 0
            while k < bits.count {
                skipSpaceAndComments()
                guard i < data.count else { throw DataError(path, "truncated: found \(k) of \(bits.count) pixels") }
                switch data[i] {
                case UInt8(ascii: "0"): bits[k] = 0
                case UInt8(ascii: "1"): bits[k] = 1
                default:
                    let shown = (32..<127).contains(data[i]) ? "character '\(Character(UnicodeScalar(data[i])))'" : String(format: "byte 0x%02x", data[i])
                    throw DataError(path, "unexpected \(shown) at pixel \(k) (row \(k / width + 1)); P1 pixels are 0 or 1")
                }
                k += 1
                i += 1
            }
            skipSpaceAndComments()
            guard i == data.count else { throw DataError(path, "extra data after \(bits.count) pixels") }
        }
        return Pattern(width: width, height: height, bits: bits, name: name)
    }

    /// Plain PBM text, one pattern row per line.
    public var pbm: String {
        var s = "P1\n# \(name) — LossPatterns pattern: 1 = black = low loss\n\(width) \(height)\n"
        for r in 0..<height {
            s += (0..<width).map { bits[r * width + $0] == 0 ? "0" : "1" }.joined(separator: " ") + "\n"
        }
        return s
    }

    public func writePBM(to path: String) throws {
        try AtomicFile.write(Array(pbm.utf8), to: path)
    }
}
