import CZlib
import Foundation

/// PNG images: 8-bit gray, gray+alpha, RGB and RGBA written; read are non-interlaced images of
/// every colour type (gray and palette at 1, 2, 4 or 8 bits, any type at 8 bits, 16-bit samples
/// reduced to their high byte), decoded to 8-bit samples with palettes expanded to RGB(A).
///
/// Layout: 8-byte signature, then chunks (length [4, BE], type [4], data [length], CRC-32 over
/// type + data [4]). IHDR first, IDAT holds one zlib stream of filtered scanlines (a filter byte
/// then the row), IEND last. Every size is checked before anything is allocated from it, and the
/// inflated data is bounded by what the header says it must be.
public enum PNG {
    /// Pixels row-major, `channels` 8-bit samples each: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA.
    public struct Image: Hashable, Sendable {
        public var width: Int
        public var height: Int
        public var channels: Int
        public var pixels: [UInt8]  // [height, width, channels]

        public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
            precondition((1...4).contains(channels) && width > 0 && height > 0 && pixels.count == width * height * channels)
            self.width = width
            self.height = height
            self.channels = channels
            self.pixels = pixels
        }

        /// A blank image of one colour (`fill` is repeated over the channels).
        public init(width: Int, height: Int, channels: Int, fill: UInt8 = 0) {
            self.init(width: width, height: height, channels: channels, pixels: .init(repeating: fill, count: width * height * channels))
        }

        public var hasAlpha: Bool { channels == 2 || channels == 4 }

        /// The samples of pixel (x, y).
        public subscript(x: Int, y: Int) -> ArraySlice<UInt8> {
            let i = (y * width + x) * channels
            return pixels[i..<(i + channels)]
        }
    }

    /// Limits on what is decoded: a picture, not a memory bomb.
    public static let maxSide = 16384
    public static let maxPixels = 1 << 24
    /// Files larger than this are not read.
    public static let maxFileBytes = 64 << 20

    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    // MARK: - Writing

    /// The PNG file of an 8-bit image.
    public static func encode(_ image: Image) -> [UInt8] {
        let colorType: UInt8 = [1: 0, 2: 4, 3: 2, 4: 6][image.channels]!
        var out = signature
        var header = bigEndian(UInt32(image.width)) + bigEndian(UInt32(image.height))
        header += [8, colorType, 0, 0, 0]  // depth, colour type, deflate, adaptive filtering, no interlace
        appendChunk("IHDR", header, to: &out)
        appendChunk("IDAT", deflate(filtered(image)), to: &out)
        appendChunk("IEND", [], to: &out)
        return out
    }

    public static func write(_ image: Image, to path: String) throws {
        try AtomicFile.write(encode(image), to: path)
    }

    /// Scanlines, each behind the filter that makes it smallest by the usual heuristic
    /// (least sum of the filtered bytes taken as signed).
    static func filtered(_ image: Image) -> [UInt8] {
        let bpp = image.channels, rowBytes = image.width * image.channels
        var out = [UInt8]()
        out.reserveCapacity((rowBytes + 1) * image.height)
        let zero = [UInt8](repeating: 0, count: rowBytes)
        var candidate = [UInt8](repeating: 0, count: rowBytes), best = candidate
        for y in 0..<image.height {
            let row = Array(image.pixels[(y * rowBytes)..<((y + 1) * rowBytes)])
            let prior = y == 0 ? zero : Array(image.pixels[((y - 1) * rowBytes)..<(y * rowBytes)])
            var bestType: UInt8 = 0, bestCost = Int.max
            for type in UInt8(0)...4 {
                var cost = 0
                for i in 0..<rowBytes {
                    let a = i >= bpp ? row[i - bpp] : 0, b = prior[i], c = i >= bpp ? prior[i - bpp] : 0
                    let v = row[i] &- predictor(type, a, b, c)
                    candidate[i] = v
                    cost += Int(v < 128 ? v : 255 - v + 1)
                }
                if cost < bestCost {
                    (bestType, bestCost) = (type, cost)
                    swap(&best, &candidate)
                }
            }
            out.append(bestType)
            out += best
        }
        return out
    }

    static func deflate(_ data: [UInt8]) -> [UInt8] {
        var size = compressBound(uLong(data.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let status = out.withUnsafeMutableBufferPointer { o in
            data.withUnsafeBufferPointer { d in compress2(o.baseAddress, &size, d.baseAddress, uLong(d.count), 9) }
        }
        precondition(status == Z_OK, "zlib compress2 failed (\(status))")
        out.removeLast(out.count - Int(size))
        return out
    }

    static func appendChunk(_ type: String, _ data: [UInt8], to out: inout [UInt8]) {
        let body = Array(type.utf8) + data
        out += bigEndian(UInt32(data.count))
        out += body
        out += bigEndian(UInt32(crc(body[...])))
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    static func crc(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(truncatingIfNeeded: crc32(0, $0.baseAddress, uInt($0.count))) }
    }

    /// The Paeth, average, up and sub predictions from the left (a), above (b) and above-left (c) bytes.
    @inline(__always)
    static func predictor(_ type: UInt8, _ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
        switch type {
        case 1: return a
        case 2: return b
        case 3: return UInt8((Int(a) + Int(b)) / 2)
        case 4:
            let p = Int(a) + Int(b) - Int(c)
            let pa = abs(p - Int(a)), pb = abs(p - Int(b)), pc = abs(p - Int(c))
            return pa <= pb && pa <= pc ? a : pb <= pc ? b : c
        default: return 0
        }
    }

    // MARK: - Reading

    /// `checksCRC`: off only while fuzzing (Tests/ReliabilityTests), so mutated chunks reach the
    /// code behind the checksum, as libpng's fuzzing builds do.
    public static func read(path: String, checksCRC: Bool = true) throws -> Image {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw DataError(path, "file not found") }
        guard !isDirectory.boolValue else { throw DataError(path, "is a directory, expected a .png file") }
        try ByteReader.checkRegularFile(path)
        guard let handle = FileHandle(forReadingAtPath: path) else { throw DataError(path, "cannot be opened for reading") }
        defer { try? handle.close() }
        let data = [UInt8]((try? handle.read(upToCount: maxFileBytes + 1)) ?? Data())
        guard data.count <= maxFileBytes else { throw DataError(path, "larger than \(maxFileBytes >> 20) MB; not read") }
        return try decode(data, path: path, checksCRC: checksCRC)
    }

    struct Header {
        var width = 0, height = 0, depth = 0, colorType = 0
        /// Samples per pixel in the file (a palette index is one).
        var samples: Int { [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType]! }
        var bitsPerPixel: Int { samples * depth }
        var rowBytes: Int { (width * bitsPerPixel + 7) / 8 }
    }

    /// Decodes a PNG held in memory; `path` names it in errors (`checksCRC`: see `read`).
    public static func decode(_ data: [UInt8], path: String, checksCRC: Bool = true) throws -> Image {
        guard data.count >= 8, Array(data[0..<8]) == signature else {
            throw DataError(path, "not a PNG image (bad signature)")
        }
        var offset = 8
        var header: Header?
        var palette: [UInt8] = []  // [entries, 3]
        var transparency: [UInt8] = []  // palette alphas
        var compressed: [UInt8] = []
        var ended = false
        while !ended {
            guard data.count - offset >= 12 else {
                throw DataError(path, offset == data.count ? "truncated: no IEND chunk" : "truncated: a chunk header at byte \(offset) is cut off")
            }
            let length = Int(data[offset]) << 24 | Int(data[offset + 1]) << 16 | Int(data[offset + 2]) << 8 | Int(data[offset + 3])
            let typeBytes = data[(offset + 4)..<(offset + 8)]
            guard typeBytes.allSatisfy({ (65...90).contains($0) || (97...122).contains($0) }) else {
                throw DataError(path, "damaged: chunk at byte \(offset) has an invalid type")
            }
            let type = String(decoding: typeBytes, as: UTF8.self)
            guard length <= 0x7FFF_FFFF, length <= data.count - offset - 12 else {
                throw DataError(path, "truncated: chunk \(type) at byte \(offset) says \(length) bytes, only \(max(0, data.count - offset - 12)) remain")
            }
            let body = data[(offset + 4)..<(offset + 8 + length)]
            let c = offset + 8 + length
            let stored = UInt32(data[c]) << 24 | UInt32(data[c + 1]) << 16 | UInt32(data[c + 2]) << 8 | UInt32(data[c + 3])
            guard !checksCRC || crc(body) == stored else { throw DataError(path, "damaged: chunk \(type) fails its CRC check") }
            let content = Array(body.dropFirst(4))
            offset = c + 4
            if header == nil && type != "IHDR" { throw DataError(path, "damaged: the first chunk is \(type), not IHDR") }
            switch type {
            case "IHDR":
                guard header == nil else { throw DataError(path, "damaged: a second IHDR chunk") }
                header = try parseHeader(content, path: path)
            case "PLTE":
                guard content.count % 3 == 0, (3...768).contains(content.count) else {
                    throw DataError(path, "damaged: PLTE chunk of \(content.count) bytes")
                }
                palette = content
            case "tRNS":
                transparency = content
            case "IDAT":
                guard compressed.count + content.count <= maxFileBytes else { throw DataError(path, "too much image data") }
                compressed += content
            case "IEND":
                ended = true
            default:
                // Bit 5 of the first letter clear (upper case): critical — we cannot show the image without it.
                if typeBytes.first! & 0x20 == 0 { throw DataError(path, "uses critical chunk \(type), which this reader does not know") }
            }
        }
        let h = header!
        guard !compressed.isEmpty else { throw DataError(path, "damaged: no image data (IDAT)") }
        if h.colorType == 3 && palette.isEmpty { throw DataError(path, "damaged: palette image without a PLTE chunk") }
        let raw = try inflate(compressed, expected: (h.rowBytes + 1) * h.height, path: path)
        let samples = try unfilter(raw, h, path: path)
        guard h.colorType == 3 else {
            return Image(width: h.width, height: h.height, channels: h.samples, pixels: samples)
        }
        let entries = palette.count / 3
        let channels = transparency.isEmpty ? 3 : 4
        var pixels = [UInt8](repeating: 0, count: h.width * h.height * channels)
        for (k, index) in samples.enumerated() {
            let e = Int(index)
            guard e < entries else { throw DataError(path, "damaged: palette index \(e) at pixel \(k), the palette has \(entries) entries") }
            for ch in 0..<3 { pixels[k * channels + ch] = palette[3 * e + ch] }
            if channels == 4 { pixels[k * 4 + 3] = e < transparency.count ? transparency[e] : 255 }
        }
        return Image(width: h.width, height: h.height, channels: channels, pixels: pixels)
    }

    static func parseHeader(_ c: [UInt8], path: String) throws -> Header {
        guard c.count == 13 else { throw DataError(path, "damaged: IHDR chunk of \(c.count) bytes, expected 13") }
        func u32(_ i: Int) -> Int { Int(c[i]) << 24 | Int(c[i + 1]) << 16 | Int(c[i + 2]) << 8 | Int(c[i + 3]) }
        let h = Header(width: u32(0), height: u32(4), depth: Int(c[8]), colorType: Int(c[9]))
        guard h.width > 0, h.height > 0 else { throw DataError(path, "damaged: image size \(h.width)x\(h.height)") }
        guard h.width <= maxSide, h.height <= maxSide, h.width * h.height <= maxPixels else {
            throw DataError(path, "image size \(h.width)x\(h.height) is too large (at most \(maxSide) per side and \(maxPixels) pixels)")
        }
        let depths: [Int: [Int]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
        guard let allowed = depths[h.colorType] else { throw DataError(path, "damaged: unknown colour type \(h.colorType)") }
        guard allowed.contains(h.depth) else { throw DataError(path, "damaged: bit depth \(h.depth) is not allowed for colour type \(h.colorType)") }
        guard c[10] == 0, c[11] == 0 else { throw DataError(path, "damaged: unknown compression or filter method") }
        guard c[12] == 0 else { throw DataError(path, "is interlaced (Adam7), which this reader does not support; save it without interlacing") }
        return h
    }

    /// Inflates a zlib stream that must come to exactly `expected` bytes.
    static func inflate(_ compressed: [UInt8], expected: Int, path: String) throws -> [UInt8] {
        // Deflate cannot expand 1 byte into more than 1032; a header promising more is refused
        // before the output is allocated.
        guard expected <= compressed.count * 1032 + 1024 else {
            throw DataError(path, "truncated: \(compressed.count) bytes of image data cannot hold the \(expected) bytes its size needs")
        }
        var out = [UInt8](repeating: 0, count: expected + 1)  // one spare byte detects excess data
        var stream = z_stream()
        guard lp_inflateInit2(&stream, 15) == Z_OK else { throw DataError(path, "zlib could not start") }
        defer { inflateEnd(&stream) }
        var input = compressed
        let (status, produced) = input.withUnsafeMutableBufferPointer { i in
            out.withUnsafeMutableBufferPointer { o in
                stream.next_in = i.baseAddress
                stream.avail_in = uInt(i.count)
                stream.next_out = o.baseAddress
                stream.avail_out = uInt(o.count)
                let status = CZlib.inflate(&stream, Z_FINISH)
                return (status, o.count - Int(stream.avail_out))
            }
        }
        switch status {
        case Z_STREAM_END, Z_OK, Z_BUF_ERROR:
            if produced > expected { throw DataError(path, "damaged: more image data than the \(expected) bytes its size needs") }
            if status != Z_STREAM_END { throw DataError(path, "truncated: the image data stream is cut off after \(produced) of \(expected) bytes") }
            if produced < expected { throw DataError(path, "damaged: the image data holds \(produced) of the \(expected) bytes its size needs") }
        default:
            throw DataError(path, "damaged: image data does not inflate (zlib error \(status))")
        }
        out.removeLast()
        return out
    }

    /// Reverses the scanline filters and widens samples to one byte each.
    static func unfilter(_ raw: [UInt8], _ h: Header, path: String) throws -> [UInt8] {
        let rowBytes = h.rowBytes, bpp = max(1, h.bitsPerPixel / 8)
        var current = [UInt8](repeating: 0, count: rowBytes), prior = current
        let count = h.width * h.samples
        var out = [UInt8](repeating: 0, count: count * h.height)
        for y in 0..<h.height {
            let base = y * (rowBytes + 1)
            let type = raw[base]
            guard type <= 4 else { throw DataError(path, "damaged: row \(y) has unknown filter type \(type)") }
            for i in 0..<rowBytes {
                let a = i >= bpp ? current[i - bpp] : 0, b = prior[i], c = i >= bpp ? prior[i - bpp] : 0
                current[i] = raw[base + 1 + i] &+ predictor(type, a, b, c)
            }
            let o = y * count
            switch h.depth {
            case 8:
                for i in 0..<count { out[o + i] = current[i] }
            case 16:
                for i in 0..<count { out[o + i] = current[2 * i] }
            default:
                // 1, 2 or 4 bits, one sample per pixel, most significant bits first.
                let perByte = 8 / h.depth, mask = UInt8((1 << h.depth) - 1)
                let gain = h.colorType == 3 ? 1 : 255 / Int(mask)  // gray scales up to 0...255
                for x in 0..<h.width {
                    let shift = UInt8(8 - h.depth * (x % perByte + 1))
                    out[o + x] = UInt8(Int((current[x / perByte] >> shift) & mask) * gain)
                }
            }
            swap(&current, &prior)
        }
        return out
    }
}
