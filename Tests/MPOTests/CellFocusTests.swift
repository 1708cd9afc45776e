import Engine
import XCTest
@testable import MPO

/// The weighted draw of `CellFocus.wrong`: distinct cells, wrong ones first in frequency, and the
/// wrongness a step records.
final class CellFocusTests: XCTestCase {
    func testDrawsDistinctIndicesInRange() {
        var weights = CellWeights(count: 30)
        var rng = Xoshiro256(seed: 1)
        for k in [0, 1, 7, 10, 25] {
            let drawn = weights.draw(k, offset: 10, n: 20, floor: 0.2, rng: &rng)
            XCTAssertEqual(drawn.count, min(k, 20))
            XCTAssertEqual(Set(drawn).count, drawn.count)
            XCTAssertTrue(drawn.allSatisfy { (0..<20).contains($0) })
        }
        weights.wrongness[0] = 0
        XCTAssertEqual(weights.draw(5, offset: 0, n: 1, floor: 0.2, rng: &rng), [0])
    }

    /// Drawing 1 of 2 cells, weights 0.2 + 1 against 0.2 + 0: the wrong one 6 times as often.
    func testWrongCellsAreDrawnInProportionToTheirWeight() {
        var weights = CellWeights(count: 2)
        weights.wrongness = [0, 1]
        var rng = Xoshiro256(seed: 2)
        var wrong = 0
        let n = 20_000
        for _ in 0..<n where weights.draw(1, offset: 0, n: 2, floor: 0.2, rng: &rng) == [1] { wrong += 1 }
        XCTAssertEqual(Double(wrong) / Double(n), 6.0 / 7.0, accuracy: 0.01)
    }

    /// A good cell is wrong by its clamped loss, a bad cell by how far it is from the clamp.
    func testRecordsWrongnessFromLosses() {
        var weights = CellWeights(count: 4)
        weights.record(index: [0, 1, 2, 3], losses: [0.5, 9, 0.5, 9], good: [true, true, false, false], clip: 2.5)
        for (got, want) in zip(weights.wrongness, [Float(0.2), 1, 0.8, 0]) { XCTAssertEqual(got, want, accuracy: 1e-6) }
    }

    func testParsesTheOption() throws {
        XCTAssertEqual(try CellFocus.parse("uniform"), .uniform)
        XCTAssertEqual(try CellFocus.parse("wrong"), .wrong(floor: CellFocus.defaultFloor))
        XCTAssertEqual(try CellFocus.parse("wrong:0.5"), .wrong(floor: 0.5))
        for bad in ["", "wrong:", "wrong:0", "wrong:nan", "wrong:1e9", "weird"] {
            XCTAssertThrowsError(try CellFocus.parse(bad), bad)
        }
    }
}
