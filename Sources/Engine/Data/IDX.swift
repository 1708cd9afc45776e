import Foundation

/// The IDX format of (Fashion-)MNIST: a magic word (0, 0, type 0x08 = unsigned byte, rank),
/// big-endian 32-bit sizes, then the data. Raw or gzip-compressed.
public enum IDX {
    /// Sane bounds checked before any allocation: 2^28 bytes hold 340,000 28x28 images (MNIST
    /// has 60,000) and become 1 GiB as floats; a gzip file claiming more is a bomb or damaged.
    static let maxElements = 1 << 28
    static let maxRank = 4

    /// Reads an IDX file of unsigned bytes: (sizes, data).
    public static func read(path: String, rank expectedRank: Int? = nil) throws -> (sizes: [Int], bytes: [UInt8]) {
        let reader = try ByteReader(path: path)
        let magic = try reader.read(4, "IDX magic")
        guard magic[0] == 0, magic[1] == 0 else {
            throw DataError(path, "not an IDX file (bad magic \(magic.map { String(format: "%02x", $0) }.joined()))")
        }
        guard magic[2] == 0x08 else {
            throw DataError(path, "IDX element type 0x\(String(magic[2], radix: 16)) is not unsigned byte (0x08)")
        }
        let rank = Int(magic[3])
        guard rank >= 1, rank <= maxRank else { throw DataError(path, "IDX rank \(rank) is out of range 1...\(maxRank)") }
        if let expectedRank, rank != expectedRank {
            throw DataError(path, "expected \(expectedRank) dimension(s), found \(rank)")
        }
        let header = try reader.read(4 * rank, "IDX sizes")
        var sizes: [Int] = []
        var total = 1
        for d in 0..<rank {
            let v = header[(4 * d)..<(4 * d + 4)].reduce(0) { $0 << 8 | Int($1) }
            guard v > 0 else { throw DataError(path, "dimension \(d) is 0") }
            total = total.multipliedReportingOverflow(by: v).partialValue
            guard total <= maxElements else { throw DataError(path, "sizes \(sizes + [v]) exceed \(maxElements) elements") }
            sizes.append(v)
        }
        if !reader.isCompressed, let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int,
           size < 4 + 4 * rank + total {
            throw DataError(path, "truncated: header promises \(total) bytes of data, file has \(size - 4 - 4 * rank)")
        }
        let bytes = try reader.read(total, "data (sizes \(sizes.map(String.init).joined(separator: "x")))")
        guard try reader.atEnd() else { throw DataError(path, "trailing bytes after \(total) bytes of data") }
        return (sizes, bytes)
    }

    /// Finds `<prefix>-<kind>-idx<rank>-ubyte` (also `.idx` spelling), raw or `.gz`, in `directory`.
    static func locate(_ directory: String, prefix: String, kind: String, rank: Int) throws -> String {
        let stems = ["\(prefix)-\(kind)-idx\(rank)-ubyte", "\(prefix)-\(kind).idx\(rank)-ubyte"]
        for stem in stems {
            for name in [stem + ".gz", stem] {
                let path = (directory as NSString).appendingPathComponent(name)
                if FileManager.default.fileExists(atPath: path) { return path }
            }
        }
        throw DataError((directory as NSString).appendingPathComponent(stems[0] + ".gz"), "file not found")
    }

    /// A (Fashion-)MNIST split from a folder: `train-*` or `t10k-*` images and labels.
    public static func loadSplit(_ split: Split, directory: String, name: String, classes: Int = 10) throws -> Dataset {
        let prefix = split == .train ? "train" : "t10k"
        let imagePath = try locate(directory, prefix: prefix, kind: "images", rank: 3)
        let labelPath = try locate(directory, prefix: prefix, kind: "labels", rank: 1)
        return try load(images: imagePath, labels: labelPath, name: "\(name) \(split.rawValue)", classes: classes)
    }

    /// Images [N, H, W] and labels [N] from two IDX files; pixels scaled by 1/255.
    public static func load(images imagePath: String, labels labelPath: String, name: String, classes: Int = 10) throws -> Dataset {
        let (labelSizes, labelBytes) = try read(path: labelPath, rank: 1)
        let (sizes, pixels) = try read(path: imagePath, rank: 3)
        guard sizes[0] == labelSizes[0] else {
            throw DataError(labelPath, "has \(labelSizes[0]) labels but \(imagePath) has \(sizes[0]) images")
        }
        if let bad = labelBytes.firstIndex(where: { Int($0) >= classes }) {
            throw DataError(labelPath, "label \(labelBytes[bad]) at index \(bad) is out of range 0..<\(classes)")
        }
        let images = pixels.map { Float($0) / 255 }
        return Dataset(
            name: name, shape: [1, sizes[1], sizes[2]], classes: classes, images: images,
            labels: labelBytes.map { Int32($0) })
    }
}
