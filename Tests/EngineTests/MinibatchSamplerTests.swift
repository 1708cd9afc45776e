import XCTest
@testable import Engine

final class MinibatchSamplerTests: XCTestCase {
    /// Image i is filled with the value i; its label is i mod 10.
    let dataset: Dataset = {
        let n = 37, size = 2 * 3 * 3
        return Dataset(name: "numbered", shape: [2, 3, 3], classes: 10,
                       images: (0..<n).flatMap { [Float](repeating: Float($0), count: size) },
                       labels: (0..<n).map { Int32($0 % 10) })
    }()

    func testDrawsWholeImagesWithTheirLabels() {
        var sampler = MinibatchSampler(dataset: dataset, batchSize: 16)
        var rng = Xoshiro256(seed: 60)
        var seen = Set<Int>()
        for _ in 0..<20 {
            sampler.next(using: &rng)
            XCTAssertEqual(sampler.images.count, 16 * 18)
            for b in 0..<16 {
                let row = sampler.images[(b * 18)..<((b + 1) * 18)]
                let index = Int(row.first!)
                XCTAssertTrue(row.allSatisfy { $0 == Float(index) }, "image \(b) mixes images")
                XCTAssertTrue((0..<37).contains(index))
                XCTAssertEqual(sampler.labels[b], Int32(index % 10))
                seen.insert(index)
            }
        }
        XCTAssertEqual(seen.count, 37, "320 draws with replacement reach every one of 37 images")
    }

    func testDeterministicForASeed() {
        func batches(_ seed: UInt64) -> [[Int32]] {
            var sampler = MinibatchSampler(dataset: dataset, batchSize: 8)
            var rng = Xoshiro256(seed: seed)
            return (0..<5).map { _ in sampler.next(using: &rng); return sampler.images.enumerated().filter { $0.offset % 18 == 0 }.map { Int32($0.element) } }
        }
        XCTAssertEqual(batches(61), batches(61))
        XCTAssertNotEqual(batches(61), batches(62))
        // Resuming from a saved generator state continues the same sequence.
        var sampler = MinibatchSampler(dataset: dataset, batchSize: 8)
        var rng = Xoshiro256(seed: 61)
        sampler.next(using: &rng)
        var resumed = Xoshiro256(state: rng.words)
        var other = MinibatchSampler(dataset: dataset, batchSize: 8)
        sampler.next(using: &rng)
        other.next(using: &resumed)
        XCTAssertEqual(sampler.images, other.images)
        XCTAssertEqual(sampler.labels, other.labels)
    }
}
