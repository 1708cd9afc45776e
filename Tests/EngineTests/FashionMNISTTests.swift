import TestSupport
import XCTest
@testable import Engine

/// The real FashionMNIST of Debian's dataset-fashion-mnist package.
final class FashionMNISTTests: XCTestCase {
    static let directory = DatasetKind.debianFashionMNIST

    override func setUpWithError() throws {
        guard FileManager.default.fileExists(atPath: (Self.directory as NSString).appendingPathComponent("t10k-images-idx3-ubyte.gz")) else {
            throw XCTSkip("dataset-fashion-mnist is not installed at \(Self.directory)")
        }
    }

    func check(_ d: Dataset, count: Int, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(d.count, count, file: file, line: line)
        XCTAssertEqual(d.shape, [1, 28, 28], file: file, line: line)
        XCTAssertEqual(d.classes, 10, file: file, line: line)
        XCTAssertEqual(d.images.count, count * 784, file: file, line: line)
        var perClass = [Int](repeating: 0, count: 10)
        for y in d.labels { perClass[Int(y)] += 1 }  // (traps if a label is out of range)
        XCTAssertEqual(perClass, .init(repeating: count / 10, count: 10), file: file, line: line)
        XCTAssertEqual(d.images.min(), 0, file: file, line: line)
        XCTAssertEqual(d.images.max(), 1, file: file, line: line)
    }

    func testTrain() throws {
        let d = try DatasetKind.fashionMNIST.load(.train)
        check(d, count: 60_000)
        XCTAssertEqual(d.name, "fashion-mnist train")
    }

    /// Every pixel and label against the files as gunzip(1) decodes them.
    func testTestMatchesTheFileBytes() throws {
        let d = try DatasetKind.fashionMNIST.load(.test)
        check(d, count: 10_000)
        let images = try Gzip.decompressBySystemGzip(Self.directory + "/t10k-images-idx3-ubyte.gz")
        let labels = try Gzip.decompressBySystemGzip(Self.directory + "/t10k-labels-idx1-ubyte.gz")
        XCTAssertEqual(Array(images[0..<16]), [0, 0, 8, 3] + UInt32(10_000).bigEndianBytes + UInt32(28).bigEndianBytes + UInt32(28).bigEndianBytes)
        XCTAssertEqual(images.count, 16 + 10_000 * 784)
        XCTAssertEqual(labels.count, 8 + 10_000)
        XCTAssertTrue(d.images.elementsEqual(images[16...].lazy.map { Float($0) / 255 }))
        XCTAssertTrue(d.labels.elementsEqual(labels[8...].lazy.map { Int32($0) }))
    }
}
