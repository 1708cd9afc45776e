import TestSupport
import XCTest
@testable import Engine

/// CIFAR-10 "binary version" batch files written here record by record.
final class CIFAR10Tests: XCTestCase {
    /// A record: label byte, then 3 x 32 x 32 pixel bytes (CHW) made from the record's seed.
    static func record(label: UInt8, seed: Int) -> [UInt8] {
        [label] + (0..<3072).map { (i: Int) -> UInt8 in UInt8((i * 7 + seed * 131 + i / 1024 * 50) % 256) }
    }

    /// (pixel / 255 - mean[c]) / std[c], torchvision's Normalize, in Double.
    static func normalised(_ record: [UInt8]) -> [Double] {
        let mean: [Double] = [0.4914, 0.4822, 0.4465], std: [Double] = [0.2023, 0.1994, 0.2010]
        return (0..<3072).map { (i: Int) -> Double in
            let channel = i / 1024
            return (Double(record[1 + i]) / 255 - mean[channel]) / std[channel]
        }
    }

    /// data_batch_1..5 with 2 records each (labels 2b and 2b+1 mod 10), test_batch with 3.
    func writeAll(_ dir: TemporaryFolder) throws -> (train: [[UInt8]], test: [[UInt8]]) {
        var train: [[UInt8]] = []
        for b in 1...5 {
            let records = (0..<2).map { Self.record(label: UInt8((2 * b + $0) % 10), seed: 10 * b + $0) }
            try dir.write("data_batch_\(b).bin", records.flatMap { $0 })
            train += records
        }
        let test = [Self.record(label: 9, seed: 100), Self.record(label: 0, seed: 101), Self.record(label: 3, seed: 102)]
        try dir.write("test_batch.bin", test.flatMap { $0 })
        return (train, test)
    }

    func testLoadsNormalisedSplitsInFileOrder() throws {
        let dir = try TemporaryFolder()
        let (train, test) = try writeAll(dir)
        for (split, records) in [(Split.train, train), (.test, test)] {
            let d = try DatasetKind.cifar10.load(split, from: dir.path)
            XCTAssertEqual(d.count, records.count)
            XCTAssertEqual(d.shape, [3, 32, 32])
            XCTAssertEqual(d.classes, 10)
            XCTAssertEqual(d.labels, records.map { Int32($0[0]) })
            XCTAssertLessThan(relativeError(d.images, records.flatMap(Self.normalised)), 1e-6)
        }
        // Pixel 0 -> -mean/std, pixel 255 -> (1 - mean)/std, channel by channel.
        let extremes = [UInt8(4)] + [UInt8](repeating: 0, count: 1024) + [UInt8](repeating: 255, count: 1024) + [UInt8](repeating: 0, count: 1024)
        let (images, labels) = try CIFAR10.read(path: try dir.write("one.bin", extremes))
        XCTAssertEqual(labels, [4])
        XCTAssertEqual(Double(images[0]), -0.4914 / 0.2023, accuracy: 1e-5)
        XCTAssertEqual(Double(images[1024]), (1 - 0.4822) / 0.1994, accuracy: 1e-5)
        XCTAssertEqual(Double(images[3071]), -0.4465 / 0.2010, accuracy: 1e-5)
    }

    func testBrokenFiles() throws {
        let dir = try TemporaryFolder()
        let good = Self.record(label: 1, seed: 1)
        let short = try dir.write("short.bin", good + good.prefix(100))
        assertDataError(try CIFAR10.read(path: short), path: short, "3073")
        let bad = try dir.write("label.bin", good + Self.record(label: 10, seed: 2))
        assertDataError(try CIFAR10.read(path: bad), path: bad, "label 10", "record 1")
        let empty = try dir.write("empty.bin", [])
        assertDataError(try CIFAR10.read(path: empty), path: empty, "size 0")
        assertDataError(try CIFAR10.read(path: dir.file("none.bin")), path: dir.file("none.bin"), "not found")
        // A missing batch among the five is named.
        _ = try writeAll(dir)
        try FileManager.default.removeItem(atPath: dir.file("data_batch_3.bin"))
        assertDataError(try DatasetKind.cifar10.load(.train, from: dir.path), path: dir.file("data_batch_3.bin"), "not found")
        assertDataError(try DatasetKind.cifar10.load(.train), path: "cifar10", "no data folder")
    }
}
