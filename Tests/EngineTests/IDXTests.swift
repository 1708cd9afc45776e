import TestSupport
import XCTest
@testable import Engine

/// (Fashion-)MNIST IDX files, raw and gzip, written byte by byte (`IDXFile`).
final class IDXTests: XCTestCase {
    /// 3 images of 4 x 5, the byte extremes among them, and their labels.
    let images: [UInt8] = [0, 255, 1, 254] + (4..<60).map { UInt8(($0 * 37 + 11) % 256) }
    let labels: [UInt8] = [9, 0, 4]

    func writeSplit(_ dir: TemporaryFolder, prefix: String, gzip: Bool, spelling: String = "-idx") throws {
        let paths = [
            try dir.write("\(prefix)-images\(spelling)3-ubyte", IDXFile.bytes([3, 4, 5], images)),
            try dir.write("\(prefix)-labels\(spelling)1-ubyte", IDXFile.bytes([3], labels)),
        ]
        if gzip { try Gzip.compressInPlace(paths) }
    }

    func checkDataset(_ d: Dataset, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(d.count, 3, file: file, line: line)
        XCTAssertEqual(d.shape, [1, 4, 5], file: file, line: line)
        XCTAssertEqual(d.classes, 10, file: file, line: line)
        XCTAssertEqual(d.labels, [9, 0, 4], file: file, line: line)
        XCTAssertEqual(d.images, images.map { Float($0) / 255 }, file: file, line: line)
        XCTAssertEqual(d.images[1], 1, file: file, line: line)
        XCTAssertEqual(d.images[0], 0, file: file, line: line)
    }

    func testRawAndGzipSplits() throws {
        for gz in [false, true] {
            let dir = try TemporaryFolder()
            try writeSplit(dir, prefix: "train", gzip: gz)
            try writeSplit(dir, prefix: "t10k", gzip: gz)
            checkDataset(try DatasetKind.mnist.load(.train, from: dir.path))
            checkDataset(try DatasetKind.fashionMNIST.load(.test, from: dir.path))
            XCTAssertEqual(try DatasetKind.mnist.load(.test, from: dir.path).name, "mnist test")
        }
        let dotted = try TemporaryFolder()
        try writeSplit(dotted, prefix: "train", gzip: true, spelling: ".idx")
        checkDataset(try DatasetKind.mnist.load(.train, from: dotted.path))
    }

    func testReadGivesSizesAndBytes() throws {
        let dir = try TemporaryFolder()
        let path = try dir.write("x.gz", try Gzip.bySystemGzip(IDXFile.bytes([2, 3, 1, 2], Array(0..<12))))
        let (sizes, bytes) = try IDX.read(path: path)
        XCTAssertEqual(sizes, [2, 3, 1, 2])
        XCTAssertEqual(bytes, Array(0..<12))
    }

    /// Each broken file is refused with its own path and what is wrong with it.
    func testBrokenFiles() throws {
        let good = IDXFile.bytes([3], labels)
        let cases: [(String, images: [UInt8], labels: [UInt8], blame: String, words: [String])] = [
            ("truncated data", IDXFile.bytes([3, 4, 5], Array(images[0..<50])), good, "images", ["truncated"]),
            ("truncated header", Array(IDXFile.bytes([3, 4, 5], [])[0..<10]), good, "images", ["truncated", "sizes"]),
            ("truncated magic", [0, 0], good, "images", ["truncated", "magic"]),
            ("empty", [], good, "images", ["truncated"]),
            ("wrong magic", [1, 2, 8, 3] + IDXFile.bytes([3, 4, 5], images).dropFirst(4), good, "images", ["not an IDX"]),
            ("wrong type", IDXFile.bytes([3, 4, 5], images, type: 0x0D), good, "images", ["element type", "0xd"]),
            ("rank 0", IDXFile.bytes([], [], rank: 0), good, "images", ["rank 0"]),
            ("images rank 2", IDXFile.bytes([3, 20], images), good, "images", ["expected 3", "found 2"]),
            ("labels rank 2", IDXFile.bytes([3, 4, 5], images), IDXFile.bytes([3, 1], labels), "labels", ["expected 1", "found 2"]),
            ("zero dimension", IDXFile.bytes([3, 0, 5], []), good, "images", ["dimension 1 is 0"]),
            ("count mismatch", IDXFile.bytes([3, 4, 5], images), IDXFile.bytes([4], labels + [1]), "labels", ["4 labels", "3 images"]),
            ("label out of range", IDXFile.bytes([3, 4, 5], images), IDXFile.bytes([3], [1, 10, 2]), "labels", ["label 10", "index 1"]),
            ("trailing bytes", IDXFile.bytes([3, 4, 5], images + [7]), good, "images", ["trailing"]),
            ("trailing label bytes", IDXFile.bytes([3, 4, 5], images), good + [0, 0], "labels", ["trailing"]),
        ]
        let dir = try TemporaryFolder()
        var toCompress: [String] = []
        for (i, (_, imageBytes, labelBytes, _, _)) in cases.enumerated() {
            for gz in [false, true] {
                try dir.write("\(i)-\(gz)-images", imageBytes)
                try dir.write("\(i)-\(gz)-labels", labelBytes)
                if gz { toCompress += [dir.file("\(i)-\(gz)-images"), dir.file("\(i)-\(gz)-labels")] }
            }
        }
        try Gzip.compressInPlace(toCompress)
        for (i, (what, _, _, blame, words)) in cases.enumerated() {
            for gz in [false, true] {
                let imagePath = dir.file("\(i)-\(gz)-images" + (gz ? ".gz" : "")), labelPath = dir.file("\(i)-\(gz)-labels" + (gz ? ".gz" : ""))
                let path = blame == "images" ? imagePath : labelPath
                do {
                    _ = try IDX.load(images: imagePath, labels: labelPath, name: what)
                    XCTFail("\(what) (gzip \(gz)) was accepted")
                } catch let error as DataError {
                    XCTAssertEqual(error.path, path, "\(what) (gzip \(gz)): \(error)")
                    for word in words {
                        XCTAssertTrue(error.problem.lowercased().contains(word.lowercased()), "\(what) (gzip \(gz)): \"\(error)\" lacks \"\(word)\"")
                    }
                }
            }
        }
    }

    func testMissingFiles() throws {
        let dir = try TemporaryFolder()
        try dir.write("train-labels-idx1-ubyte.gz", try Gzip.bySystemGzip(IDXFile.bytes([3], labels)))
        assertDataError(try DatasetKind.mnist.load(.train, from: dir.path), path: dir.file("train-images-idx3-ubyte.gz"), "not found")
        assertDataError(try IDX.read(path: dir.file("nothing")), path: dir.file("nothing"), "not found")
        assertDataError(try IDX.read(path: dir.path), path: dir.path, "directory")
        assertDataError(try DatasetKind.mnist.load(.train), path: "mnist", "no data folder")
    }

    func testCorruptGzip() throws {
        let dir = try TemporaryFolder()
        let compressed = try Gzip.bySystemGzip(IDXFile.bytes([3, 4, 5], images))
        // First deflate byte (after gzip's 10-byte header): final block of the reserved type 3.
        var badBlock = compressed
        badBlock[10] = 0xFF
        assertDataError(try IDX.read(path: try dir.write("block.gz", badBlock)), path: dir.file("block.gz"), "corrupt gzip")
        // Data intact, CRC-32 in the trailer wrong: found when the reader reaches the end.
        var badCRC = compressed
        badCRC[badCRC.count - 8] ^= 0x55
        assertDataError(try IDX.read(path: try dir.write("crc.gz", badCRC)), path: dir.file("crc.gz"), "corrupt gzip")
        // Cut short inside the compressed stream.
        let cut = Array(compressed[0..<(compressed.count - 12)])
        assertDataError(try IDX.read(path: try dir.write("cut.gz", cut)), path: dir.file("cut.gz"), "truncated")
    }
}
