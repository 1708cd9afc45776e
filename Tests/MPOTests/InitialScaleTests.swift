import Engine
import Foundation
import MPO
import XCTest

/// The scale a new plane starts with: the live preset widens the plane for patterns that are
/// edges nearly everywhere (grid, random), and leaves every pattern with a solid inside at 0.1.
final class InitialScaleTests: XCTestCase {
    /// 20 x 10, black columns at `columns`, white elsewhere: each column trains itself and its two
    /// neighbours, so the edge fraction is (trained columns) / 20.
    func columns(_ columns: [Int]) -> Pattern {
        Pattern(width: 20, height: 10) { _, c in columns.contains(c) }
    }

    func testEdgeFractionIsTheShareOfTrainedCells() {
        XCTAssertEqual(Pattern.squareGrid(cells: 6, spacing: 3).edgeFraction, 1)
        XCTAssertEqual(columns([1, 4, 7, 10, 13]).edgeFraction, 0.75, accuracy: 1e-12)
        XCTAssertEqual(columns([1, 4, 7, 10, 13, 15]).edgeFraction, 0.85, accuracy: 1e-12)
        XCTAssertEqual(Pattern(width: 5, height: 5) { _, _ in true }.edgeFraction, 0)
    }

    func testLiveWidensOnlyPatternsThatAreEdgesNearlyEverywhere() {
        let live = TrainingConfig.live
        XCTAssertEqual(live.initialScale(for: .squareGrid(cells: 6, spacing: 3)), 0.18)
        XCTAssertEqual(live.initialScale(for: .randomlyFilledSquare(size: 16, probability: 0.5, seed: 1)), 0.18)
        // Shapes with a solid inside keep the preset's 0.1.
        for shape: Pattern in [.ring(size: 16), .ring(size: 16, outer: 0.42, inner: 0), .checker(size: 16, block: 4),
                               .squareFrame(size: 16, thickness: 3), columns([1, 4, 7, 10, 13])] {
            XCTAssertLessThanOrEqual(shape.edgeFraction, 0.8)
            XCTAssertEqual(live.initialScale(for: shape), 0.1)
        }
        // Halfway up the ramp (edge fraction 0.85), halfway between the two scales.
        XCTAssertEqual(live.initialScale(for: columns([1, 4, 7, 10, 13, 15])), 0.14, accuracy: 1e-6)
    }

    func testThePaperPresetAndAnExplicitSpanAreKept() {
        let grid = Pattern.squareGrid(cells: 6, spacing: 3)
        XCTAssertEqual(TrainingConfig.paper.initialScale(for: grid), 0.1)
        var spanned = TrainingConfig.live
        spanned.initialSpan = 1.6
        XCTAssertEqual(spanned.initialScale(for: grid), 1.6 / 9)
    }

    /// A config written before the fine scale existed started every pattern at its initial scale.
    func testOlderConfigsDecodeWithoutTheFineScale() throws {
        var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: JSONEncoder().encode(TrainingConfig.live)) as? [String: Any])
        XCTAssertNotNil(object.removeValue(forKey: "fineScale"))
        let old = try JSONDecoder().decode(TrainingConfig.self, from: try JSONSerialization.data(withJSONObject: object))
        XCTAssertNil(old.fineScale)
        XCTAssertEqual(old.initialScale(for: .squareGrid(cells: 6, spacing: 3)), 0.1)
        let round = try JSONDecoder().decode(TrainingConfig.self, from: try JSONEncoder().encode(TrainingConfig.live))
        XCTAssertEqual(round, .live)
    }
}
