import CZlib
import Foundation
import TestSupport
import XCTest
@testable import Engine
@testable import MPO

/// The fuzzers' seed files, Fuzz/corpus/<reader>/: real files where the machine has them
/// (shipped patterns, Fashion-MNIST, the PyTorch-written fixtures) and hand-made ones covering
/// every variant a reader knows. Names starting with `bad-` must be refused; all others must
/// load. Re-recorded with `RECORD=1 swift test ... --filter FuzzCorpusTests/testRecordSeeds`.
enum SeedCorpus {
    static func record(into corpus: String) throws {
        let fm = FileManager.default
        func put(_ reader: String, _ name: String, _ bytes: [UInt8]) throws {
            let dir = (corpus as NSString).appendingPathComponent(reader)
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: (dir as NSString).appendingPathComponent(name)))
        }
        func copy(_ reader: String, _ path: String, as name: String? = nil) throws {
            guard let data = fm.contents(atPath: path) else { return }
            try put(reader, name ?? (path as NSString).lastPathComponent, [UInt8](data))
        }

        // PBM: the shipped patterns, then P1/P4 variants.
        for name in (try fm.contentsOfDirectory(atPath: packageRoot + "/Patterns")).sorted() where name.hasSuffix(".pbm") {
            try copy("pbm", packageRoot + "/Patterns/" + name)
        }
        try put("pbm", "p1-packed.pbm", Array("P1 3 3 101010111".utf8))
        try put("pbm", "p1-comments-crlf.pbm", Array("P1\r\n# a comment\r\n4 # width\r\n3\r\n1 0 0 1\r\n0 1 1 0\r\n1#x\r\n0 0 1\r\n".utf8))
        let smiley = try Pattern.readPBM(path: packageRoot + "/Patterns/smiley.pbm")
        try put("pbm", "p4-smiley.pbm", p4(smiley))
        try put("pbm", "p4-3x3.pbm", p4(Pattern(width: 3, height: 3, bits: [1, 0, 1, 0, 1, 0, 1, 0, 1])))
        try put("pbm", "p4-13x5.pbm", p4(Pattern(width: 13, height: 5) { r, c in (r * 7 + c * 3) % 4 == 0 }))
        try put("pbm", "bad-huge.pbm", Array("P4\n1000000000 1000000000\n\u{0}".utf8))
        try put("pbm", "bad-truncated.pbm", Array("P1\n5 5\n1 0 1".utf8))

        // PNG: every colour type and bit depth, filters 0-4 on every row, split IDAT, ancillary chunks.
        var rng = Xoshiro256(seed: 7)
        for (type, depths) in [(0, [1, 2, 4, 8, 16]), (2, [8, 16]), (3, [1, 2, 4, 8]), (4, [8, 16]), (6, [8, 16])] {
            for depth in depths {
                try put("png", "type\(type)-depth\(depth).png", png(width: 10, height: 7, colorType: type, depth: depth, rng: &rng))
            }
        }
        try put("png", "palette-trns-split.png", png(width: 9, height: 9, colorType: 3, depth: 8, rng: &rng, transparency: true, idatParts: 3))
        try put("png", "bad-palette-index.png", png(width: 4, height: 4, colorType: 3, depth: 8, rng: &rng, paletteEntries: 2))
        try put("png", "bad-interlaced.png", png(width: 4, height: 4, colorType: 0, depth: 8, rng: &rng, interlace: 1))
        let rgba = PNG.Image(width: 16, height: 16, channels: 4, pixels: (0..<1024).map { UInt8(truncatingIfNeeded: $0 * 37 / 5) })
        try put("png", "encoded-rgba.png", PNG.encode(rgba))
        try copy("png", "/usr/share/pixmaps/debian-logo.png")

        // IDX: real Fashion-MNIST labels, small raw and gzip subsets of the test split.
        let fashion = DatasetKind.debianFashionMNIST
        try copy("idx", fashion + "/t10k-labels-idx1-ubyte.gz")
        if fm.fileExists(atPath: fashion + "/t10k-images-idx3-ubyte.gz") {
            let (sizes, pixels) = try IDX.read(path: fashion + "/t10k-images-idx3-ubyte.gz")
            let (_, labels) = try IDX.read(path: fashion + "/t10k-labels-idx1-ubyte.gz")
            let images = IDXFile.bytes([4, sizes[1], sizes[2]], Array(pixels[0..<(4 * sizes[1] * sizes[2])]))
            let labels10 = IDXFile.bytes([10], Array(labels[0..<10]))
            for reader in ["idx", "idx-gz"] {
                try put(reader, "images-4.idx3", images)
                try put(reader, "labels-10.idx1", labels10)
            }
            try put("idx", "images-4.idx3.gz", Gzip.compress(images))
            try put("idx", "labels-10-two-members.idx1.gz", Gzip.compress(labels10, members: 2))
        }
        for reader in ["idx", "idx-gz"] {
            try put(reader, "rank2.idx", IDXFile.bytes([3, 5], (0..<15).map { UInt8($0) }))
            try put(reader, "rank4.idx", IDXFile.bytes([2, 1, 2, 3], (0..<12).map { UInt8($0 * 20) }))
            try put(reader, "bad-trailing.idx", IDXFile.bytes([2], [1, 2]) + [9])
        }

        // CIFAR-10: one and two records (label byte + 3x32x32 pixels).
        let record = { (label: UInt8, seed: Int) in [label] + (0..<3072).map { UInt8(truncatingIfNeeded: $0 * 7 + seed * 131) } }
        try put("cifar", "one.bin", record(3, 1))
        try put("cifar", "two.bin", record(0, 2) + record(9, 3))
        try put("cifar", "bad-label.bin", record(10, 4))

        // safetensors: the PyTorch-written fixture, every dtype, empty and metadata-only files.
        try copy("safetensors", (sharedFolder("fixtures") ?? "/work/shared/fixtures") + "/model-nopool.safetensors")
        try put("safetensors", "dtypes.safetensors", Safetensors(tensors: [
            "f32": .init([1, -2.5, .pi, 0] as [Float], shape: [2, 2]), "f64": .init([0.1] as [Double], shape: []),
            "i64": .init([1, -1, .max] as [Int64]), "u8": .init([0, 255] as [UInt8]), "empty": .init([Float](), shape: [0, 3]),
            "f16": .init(dtype: .f16, shape: [2], data: [0x00, 0x3E, 0x00, 0xB4]),
            "bf16": .init(dtype: .bf16, shape: [2, 1], data: [0x40, 0x40, 0x00, 0xC0]),
            "i32": .init(dtype: .i32, shape: [1], data: [1, 2, 3, 4]), "i8": .init(dtype: .i8, shape: [2], data: [0xFF, 0x7F]),
            "bool": .init(dtype: .bool, shape: [2], data: [1, 0]),
        ], metadata: ["format": "test", "escaped": "quote\" back\\ \u{1} é"]).serialized())
        try put("safetensors", "empty.safetensors", Safetensors().serialized())
        try put("safetensors", "metadata-only.safetensors", Safetensors(metadata: ["a": "b"]).serialized())
        try put("safetensors", "bad-100GB-header.safetensors", [0, 0, 0, 0, 0x17, 0, 0, 0] + Array("{}".utf8))

        // Checkpoints of a net small enough to fuzz (P = 350), plain and BatchNorm.
        for bn in [false, true] {
            let c = tinyCheckpoint(batchNorm: bn)
            try put("checkpoint", bn ? "tiny-bn.safetensors" : "tiny.safetensors", c.file.serialized())
            try put("safetensors", bn ? "checkpoint-bn.safetensors" : "checkpoint.safetensors", c.file.serialized())
        }
        // Checkpoint settings (JSON) for the checkpoint-config fuzzer.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var configs: [(String, TrainingConfig)] = []
        var c = tinyCheckpoint().config
        configs.append(("tiny.json", c))
        c.net.batchNorm = true
        configs.append(("tiny-bn.json", c))
        c.net = ModelSpec(convChannels: [1, 3, 4], dense: [4 * 4 * 4, 8], batchNorm: false, maxPool: false, adaptivePool: 4)
        configs.append(("no-pool.json", c))
        c.net = ModelSpec(inputShape: [3, 32, 32], convChannels: [3, 2], dense: [2 * 4], adaptivePool: 2)
        c.dataset = .cifar10
        configs.append(("cifar.json", c))
        c = tinyCheckpoint().config
        c.net.convChannels = [1, 1 << 62]
        configs.append(("bad-overflow.json", c))
        c = tinyCheckpoint().config
        c.cells = 0
        configs.append(("bad-cells.json", c))
        for (name, config) in configs { try put("checkpoint-config", name, Array(try encoder.encode(config))) }

        var diverged = tinyCheckpoint()
        diverged.state.plane.parameters[5] = .nan
        try put("checkpoint", "bad-nan.safetensors", diverged.file.serialized())
        var foreign = tinyCheckpoint().file
        foreign.metadata["format"] = "something-else"
        try put("checkpoint", "bad-format.safetensors", foreign.serialized())
    }

    /// A checkpoint of a 1-2 conv net with a 16-unit dense layer on a 4x4 pattern, after 3 steps' worth of state.
    static func tinyCheckpoint(batchNorm: Bool = false, pattern: Pattern? = nil) -> Checkpoint {
        var config = TrainingConfig.tiny
        config.net = ModelSpec(convChannels: [1, 2], dense: [32], batchNorm: batchNorm)
        config.preset = "custom"
        let pattern = pattern ?? Pattern(width: 4, height: 4, bits: [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1], name: "blocks")
        var rng = Xoshiro256(seed: 3)
        let layout = ParameterLayout(config.net)
        let plane = Plane(layout: layout, height: pattern.height, width: pattern.width, rng: &rng)
        var adam = Adam(count: 3 * layout.count + 1, learningRate: config.learningRate)
        adam.m = (0..<adam.m.count).map { Float($0 % 7) * 1e-3 }
        adam.v = (0..<adam.v.count).map { Float($0 % 5) * 1e-6 }
        adam.step = 3
        return Checkpoint(config: config, pattern: pattern, state: Trainer.State(plane: plane, adam: adam, rng: rng),
                          created: Date(timeIntervalSince1970: 1_700_000_000))
    }

    static func p4(_ p: Pattern) -> [UInt8] {
        let rowBytes = (p.width + 7) / 8
        var bits = [UInt8](repeating: 0, count: rowBytes * p.height)
        for r in 0..<p.height { for c in 0..<p.width where p[r, c] { bits[r * rowBytes + c / 8] |= 0x80 >> UInt8(c % 8) } }
        return Array("P4\n# \(p.name)\n\(p.width) \(p.height)\n".utf8) + bits
    }

    /// A PNG made chunk by chunk: random filtered scanlines (any bytes unfilter to some image).
    static func png(
        width: Int, height: Int, colorType: Int, depth: Int, rng: inout Xoshiro256, transparency: Bool = false,
        idatParts: Int = 1, paletteEntries: Int? = nil, interlace: UInt8 = 0
    ) -> [UInt8] {
        let samples = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType]!
        let rowBytes = (width * samples * depth + 7) / 8
        var raw: [UInt8] = []
        for y in 0..<height {
            raw.append(colorType == 3 ? 0 : UInt8(y % 5))
            for _ in 0..<rowBytes { raw.append(UInt8(truncatingIfNeeded: rng.next())) }
        }
        var out = PNG.signature
        var header = PNG.bigEndian(UInt32(width)) + PNG.bigEndian(UInt32(height))
        header += [UInt8(depth), UInt8(colorType), 0, 0, interlace]
        PNG.appendChunk("IHDR", header, to: &out)
        PNG.appendChunk("tEXt", Array("Comment\u{0}LossPatterns seed".utf8), to: &out)
        if colorType == 3 {
            let entries = paletteEntries ?? (1 << depth)
            PNG.appendChunk("PLTE", (0..<(3 * entries)).map { UInt8(truncatingIfNeeded: $0 * 29) }, to: &out)
            if transparency { PNG.appendChunk("tRNS", (0..<(entries / 2)).map { UInt8(truncatingIfNeeded: $0 * 3) }, to: &out) }
        }
        let compressed = PNG.deflate(raw)
        let part = (compressed.count + idatParts - 1) / idatParts
        for k in 0..<idatParts {
            let range = (k * part)..<min(compressed.count, (k + 1) * part)
            PNG.appendChunk("IDAT", Array(compressed[range]), to: &out)
        }
        PNG.appendChunk("IEND", [], to: &out)
        return out
    }
}
