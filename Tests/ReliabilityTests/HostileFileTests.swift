import Foundation
import TestSupport
import XCTest
@testable import Engine
@testable import MPO

/// Files built to hurt: sizes that would exhaust memory, files that never end or block, names
/// that carry terminal escape sequences, checkpoints whose settings would make training allocate
/// without bound. Each is refused at once with a DataError that names the file.
final class HostileFileTests: XCTestCase {
    /// Runs `body`, requiring a DataError within `seconds` (no reading or allocating first).
    func assertRefused<T>(_ what: String, seconds: Double = 0.5, mentioning words: [String] = [], _ body: () throws -> T) {
        let start = Date()
        do {
            _ = try body()
            XCTFail("\(what): accepted")
        } catch let error as DataError {
            for w in words { XCTAssertTrue(error.problem.lowercased().contains(w.lowercased()), "\(what): \"\(error)\" lacks \"\(w)\"") }
        } catch {
            XCTFail("\(what): \(type(of: error)) instead of DataError: \(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), seconds, "\(what) took too long to refuse")
    }

    func write(_ scratch: TemporaryFolder, _ name: String, _ bytes: [UInt8]) -> String {
        let path = scratch.file(name)
        ReaderHarness.write(bytes, to: path)
        return path
    }

    func testHugeClaimsAreRefusedBeforeAllocating() throws {
        let s = try TemporaryFolder()
        defer { withExtendedLifetime(s) {} }
        // safetensors: a header of 100 GB, then one of 2^64 - 1 bytes.
        for length: UInt64 in [100 << 30, .max, UInt64(Safetensors.maxHeaderBytes) + 1] {
            let bytes = withUnsafeBytes(of: length.littleEndian) { [UInt8]($0) } + Array("{}".utf8)
            let path = write(s, "header.safetensors", bytes)
            assertRefused("safetensors header of \(length) bytes", mentioning: ["header"]) { try Safetensors.read(path: path) }
        }
        // ...a tensor whose shape multiplies past Int.max, or past the file.
        let shapes = ["[4294967296, 4294967296, 4294967296]", "[9223372036854775807, 2]", "[18446744073709551615]", "[1000000000]"]
        for shape in shapes {
            var header = Array("{\"t\":{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":[0,4]}}".utf8)
            while header.count % 8 != 0 { header.append(0x20) }
            let path = write(s, "shape.safetensors", withUnsafeBytes(of: UInt64(header.count).littleEndian) { [UInt8]($0) } + header + [0, 0, 0, 0])
            assertRefused("tensor shape \(shape)") { try Safetensors.read(path: path) }
        }
        // PBM 10^9 x 10^9, raw and plain, and sizes past the digits' range.
        for text in ["P4\n1000000000 1000000000\n", "P1 1000000000 1000000000 1", "P1 99999999999999999999999999 3", "P4 513 3\n"] {
            let path = write(s, "huge.pbm", Array(text.utf8))
            assertRefused("PBM \(text.debugDescription)") { try Pattern.readPBM(path: path) }
        }
        // PNG of 2^31-1 x 2^31-1 and 16385 x 1.
        for (w, h) in [(UInt32(0x7FFF_FFFF), UInt32(0x7FFF_FFFF)), (16385, 1), (16384, 16384)] {
            var png = PNG.signature
            PNG.appendChunk("IHDR", PNG.bigEndian(w) + PNG.bigEndian(h) + [8, 6, 0, 0, 0], to: &png)
            PNG.appendChunk("IDAT", PNG.deflate([0, 1, 2, 3]), to: &png)
            PNG.appendChunk("IEND", [], to: &png)
            let path = write(s, "huge.png", png)
            assertRefused("PNG \(w)x\(h)", mentioning: ["too large"]) { try PNG.read(path: path) }
        }
        // IDX claiming 2^32 elements, raw (file too short) and gzipped (limit), and 255^4.
        for sizes in [[65536, 65536], [255, 255, 255, 255], [1 << 29]] {
            let idx = IDXFile.bytes(sizes, [1, 2, 3])
            let raw = write(s, "big.idx", idx)
            assertRefused("IDX \(sizes)") { try IDX.read(path: raw) }
            let gz = write(s, "big.idx.gz", Gzip.compress(idx))
            assertRefused("gzip IDX \(sizes)") { try IDX.read(path: gz) }
        }
    }

    /// A gzip file's header is checked before inflating (over the limit: refused at once); under
    /// it, memory follows the bytes that really arrive, so a short stream ends as "truncated".
    func testGzipClaimsAreBoundedByLimitAndContent() throws {
        let s = try TemporaryFolder()
        defer { withExtendedLifetime(s) {} }
        let over = write(s, "over.idx.gz", Gzip.compress(IDXFile.bytes([IDX.maxElements + 1], [])))
        assertRefused("gzip IDX over the limit", mentioning: ["exceed"]) { try IDX.read(path: over) }
        let short = IDXFile.bytes([IDX.maxElements], []) + [UInt8](repeating: 0, count: 1 << 20)
        let path = write(s, "short.idx.gz", Gzip.compress(short))
        assertRefused("gzip IDX claiming \(IDX.maxElements) bytes, holding 1 MiB", mentioning: ["truncated"]) { try IDX.read(path: path) }
    }

    /// Paths that are not files: a FIFO would block a reader forever, /dev/zero never ends.
    func testPipesAndDevicesAreRefusedWithoutBlocking() throws {
        let s = try TemporaryFolder()
        defer { withExtendedLifetime(s) {} }
        let fifo = s.file("fifo")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let readers: [(String, (String) throws -> Any)] = [
            ("pbm", { try Pattern.readPBM(path: $0) }), ("png", { try PNG.read(path: $0) }), ("idx", { try IDX.read(path: $0) }),
            ("cifar", { try CIFAR10.read(path: $0) }), ("safetensors", { try Safetensors.read(path: $0) }),
            ("checkpoint", { try Checkpoint.read(path: $0) }),
        ]
        for (name, read) in readers {
            for path in [fifo, "/dev/zero", "/dev/null"] where FileManager.default.fileExists(atPath: path) {
                assertRefused("\(name) on \(path)", seconds: 2) { try read(path) }
            }
        }
    }

    /// Names and strings inside files reach the terminal in messages and in the UI: escape
    /// sequences come out as `?`.
    func testEscapeSequencesInFilesNeverReachTheTerminal() throws {
        let s = try TemporaryFolder()
        defer { withExtendedLifetime(s) {} }
        let evil = "\u{1B}]0;owned\u{07}\u{1B}[2J\u{9B}31m"
        var header = Array("{\"\(evil.unicodeScalars.map { String(format: "\\u%04x", $0.value) }.joined())\":{\"dtype\":\"X\",\"shape\":[],\"data_offsets\":[0,0]}}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        let path = write(s, "evil.safetensors", withUnsafeBytes(of: UInt64(header.count).littleEndian) { [UInt8]($0) } + header)
        do {
            _ = try Safetensors.read(path: path)
            XCTFail("accepted")
        } catch let error as DataError {
            XCTAssertFalse(error.problem.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }, error.problem)
        }
        let pbm = write(s, "evil.pbm", Array("P1 3 3 1 0 \u{1B}[2J".utf8))
        assertRefused("PBM with ESC", mentioning: ["0x1b"]) { try Pattern.readPBM(path: pbm) }

        var c = SeedCorpus.tinyCheckpoint().file
        c.metadata["pattern_name"] = "smile" + evil
        let cp = write(s, "evil-name.safetensors", c.serialized())
        let read = try Checkpoint.read(path: cp)
        XCTAssertFalse(read.pattern.name.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }, read.pattern.name)
        XCTAssertTrue(read.pattern.name.hasPrefix("smile?"))
        c.metadata["format"] = evil
        let other = write(s, "evil-format.safetensors", c.serialized())
        assertRefused("format with escapes", mentioning: ["not a LossPatterns checkpoint"]) { try Checkpoint.read(path: other) }
    }

    /// A checkpoint's settings decide what training allocates: absurd ones are refused on reading,
    /// including a net whose parameter count overflows Int and wraps to a small number.
    func testCheckpointSettingsAreBounded() throws {
        let s = try TemporaryFolder()
        defer { withExtendedLifetime(s) {} }
        func variant(_ name: String, _ change: (inout TrainingConfig) -> Void) throws -> String {
            var c = SeedCorpus.tinyCheckpoint()
            change(&c.config)
            var file = c.file
            // Keep the parameter table in step with the edited net, as a forger would.
            if c.config.net.convChannels.count < 64, c.config.net.dense.count < 64 {
                file.metadata["parameters"] = ParameterLayout(c.config.net).table
            }
            return write(s, name + ".safetensors", file.serialized())
        }
        let cases: [(String, (inout TrainingConfig) -> Void)] = [
            ("huge-batch", { $0.batchSize = 1 << 40 }), ("zero-batch", { $0.batchSize = 0 }), ("negative-cells", { $0.cells = -5 }),
            ("huge-cells", { $0.cells = 1 << 30 }), ("negative-lr", { $0.learningRate = -1 }), ("inf-clip", { $0.gradientClip = .infinity }),
            ("wide-conv", { $0.net.convChannels = [1, 1 << 40]; $0.net.dense = [1 << 44] }),
            ("overflowing-conv", { $0.net.convChannels = [1, 1 << 62]; $0.net.dense = [16] }),
            ("deep", { $0.net.convChannels = [1] + Array(repeating: 2, count: 40); $0.net.maxPool = false; $0.net.dense = [32] }),
            ("wide-dense", { $0.net.dense = [32, 1 << 20] }), ("classes", { $0.net.classes = 3 }),
            ("cifar-shape-on-mnist", { $0.net.inputShape = [3, 32, 32]; $0.net.convChannels[0] = 3 }),
        ]
        for (name, change) in cases {
            let path = try variant(name, change)
            assertRefused("checkpoint \(name)") { try Checkpoint.read(path: path) }
        }
        var steps = SeedCorpus.tinyCheckpoint().file
        steps.metadata["step"] = String(Int.max)
        let path = write(s, "step.safetensors", steps.serialized())
        assertRefused("step Int.max") { try Checkpoint.read(path: path) }
        steps.metadata["step"] = "3"
        steps.metadata["format_version"] = "-7"
        let version = write(s, "version.safetensors", steps.serialized())
        assertRefused("format version -7") { try Checkpoint.read(path: version) }
        // The unchanged seed still loads.
        XCTAssertNoThrow(try Checkpoint.read(path: try variant("plain") { _ in }))
    }
}
