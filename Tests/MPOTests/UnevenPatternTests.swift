import Engine
import Foundation
import MPO
import XCTest

/// More cells from fewer images per step where one colour trains far more cells than the other
/// (`TrainingConfig.unevenRatio`): grid's 36 black cells against 288 white under the live preset.
final class UnevenPatternTests: XCTestCase {
    let grid = Pattern.squareGrid(cells: 6, spacing: 3)

    /// 16 x 16 with black columns at `columns` (each trains itself and its two white neighbours).
    func columns(_ columns: [Int]) -> Pattern {
        Pattern(width: 16, height: 16) { _, c in columns.contains(c) }
    }

    func testLiveDrawsTwiceTheCellsFromHalfTheImagesOnlyWhereTheColoursAreUneven() {
        let live = TrainingConfig.live
        XCTAssertEqual(grid.trainedCells.good.count, 36)
        XCTAssertEqual(grid.trainedCells.bad.count, 288)
        XCTAssertTrue(live.isUneven(grid))
        XCTAssertEqual(live.cellsPerSide(for: grid), 2 * live.cells)
        XCTAssertEqual(live.batchSize(for: grid), live.batchSize / 2)
        // Even or nearly even colours keep the preset's cells and images.
        for even: Pattern in [.ring(size: 16), .checker(size: 16, block: 4), .squareFrame(size: 16, thickness: 3),
                              .randomlyFilledSquare(size: 16, probability: 0.5, seed: 1)] {
            XCTAssertFalse(live.isUneven(even), even.name)
            XCTAssertEqual(live.cellsPerSide(for: even), live.cells)
            XCTAssertEqual(live.batchSize(for: even), live.batchSize)
        }
        // The ratio is a bound: one black column trains 16 black and 32 white cells (2x), a
        // single black cell 1 black and 8 white (8x); either colour may be the many.
        XCTAssertFalse(live.isUneven(columns([5])))
        XCTAssertTrue(live.isUneven(Pattern(width: 9, height: 9) { r, c in r == 4 && c == 4 }))
        XCTAssertTrue(live.isUneven(Pattern(width: 9, height: 9) { r, c in !(r == 4 && c == 4) }))
        // A pattern with no edge at all is not uneven (the trainer refuses it anyway).
        XCTAssertFalse(live.isUneven(Pattern(width: 5, height: 5) { _, _ in true }))
    }

    func testThePaperPresetAndAnExplicitCellCountAreKept() {
        XCTAssertFalse(TrainingConfig.paper.isUneven(grid))
        XCTAssertEqual(TrainingConfig.paper.cellsPerSide(for: grid), TrainingConfig.paper.cells)
        XCTAssertEqual(TrainingConfig.paper.batchSize(for: grid), TrainingConfig.paper.batchSize)
        var one = TrainingConfig.live
        one.batchSize = 1
        XCTAssertEqual(one.batchSize(for: grid), 1)
    }

    /// Live clamps an uneven pattern's bad cells at `unevenClip`; every other pattern, the paper
    /// preset, a config without the rule and the user's own `--clip` (which clears `unevenClip`)
    /// clamp at `clip`.
    func testUnevenPatternsClampAtTheirOwnClip() {
        let live = TrainingConfig.live
        XCTAssertEqual(live.clip, 2.5)
        XCTAssertEqual(live.clip(for: grid), 3.5)
        XCTAssertEqual(live.clip(for: .ring(size: 16)), 2.5)
        XCTAssertEqual(TrainingConfig.paper.clip(for: grid), 2.5)
        var noRule = live
        noRule.unevenRatio = nil
        XCTAssertEqual(noRule.clip(for: grid), 2.5)
        var users = live
        (users.clip, users.unevenClip) = (1.5, nil)
        XCTAssertEqual(users.clip(for: grid), 1.5)
    }

    /// A step on grid trains all 36 black cells and 2x the preset's white ones.
    func testATrainerOnAnUnevenPatternDrawsMoreCells() throws {
        var c = TrainingConfig.tiny
        c.batchSize = 8
        c.cells = 20
        c.unevenRatio = 4
        let train = try DatasetKind.fashionMNIST.load(.train)
        let trainer = try Trainer(config: c, pattern: grid, train: train, workers: 1)
        XCTAssertEqual(trainer.cellsPerSide, 40)
        XCTAssertEqual(trainer.step().cellImages, (36 + 40) * 8)
        c.unevenRatio = nil
        XCTAssertEqual(try Trainer(config: c, pattern: grid, train: train, workers: 1).step().cellImages, (20 + 20) * 8)
    }

    /// A config written before the rule existed drew the same cells for every pattern.
    func testOlderConfigsDecodeWithoutTheRule() throws {
        var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: JSONEncoder().encode(TrainingConfig.live)) as? [String: Any])
        XCTAssertNotNil(object.removeValue(forKey: "unevenRatio"))
        XCTAssertNotNil(object.removeValue(forKey: "unevenClip"))
        let old = try JSONDecoder().decode(TrainingConfig.self, from: try JSONSerialization.data(withJSONObject: object))
        XCTAssertNil(old.unevenRatio)
        XCTAssertNil(old.unevenClip)
        XCTAssertEqual(old.cellsPerSide(for: grid), old.cells)
        XCTAssertEqual(old.clip(for: grid), old.clip)
        XCTAssertEqual(try JSONDecoder().decode(TrainingConfig.self, from: try JSONEncoder().encode(TrainingConfig.live)), .live)
    }
}
