import Foundation
import XCTest
@testable import Explorer
@testable import MPO

/// The panel's `method` row names each way the run differs from the paper (README, "What the live
/// preset does differently").
final class SidePanelMethodTests: XCTestCase {
    let grid = Pattern.squareGrid(cells: 6, spacing: 3)
    let ring = Pattern.ring(size: 16)

    func testThePaperPresetIsAsThePaper() {
        XCTAssertEqual(SidePanel.method(.paper, pattern: grid), ["as the paper"])
    }

    func testLiveNamesTheWiderPlaneOnlyWhereThePatternGetsIt() {
        XCTAssertEqual(SidePanel.method(.live, pattern: ring), ["warm origin", "image clamp"])
        XCTAssertEqual(SidePanel.method(.live, pattern: grid), ["warm origin", "image clamp", "wide plane", "more cells", "clip 3.5"])
        // An explicit span is the user's choice, not the preset's widening.
        var spanned = TrainingConfig.live
        spanned.initialSpan = 1.6
        XCTAssertEqual(SidePanel.method(spanned, pattern: grid), ["warm origin", "image clamp", "more cells", "clip 3.5"])
    }

    /// The preset row counts the cells a step really draws: all of grid's 36 black cells and twice
    /// the preset's white ones.
    func testThePresetRowCountsTheCellsDrawn() {
        XCTAssertEqual(SidePanel.cells(.live, pattern: ring), "32+32")
        XCTAssertEqual(SidePanel.cells(.live, pattern: grid), "36+64")
        XCTAssertEqual(SidePanel.cells(.paper, pattern: grid), "36+50")
    }

    /// Parts that do not fit the panel's width go on to rows of their own, never cut.
    func testTheRowWrapsItsPartsToThePanelWidth() {
        let theme = Theme(Capabilities(unicode: true, colors: .palette256))
        var w = SidePanel.Writer(buffer: CellBuffer(width: 40, height: 5), rect: Rect(x: 0, y: 0, width: 30, height: 5), y: 0, theme: theme)
        w.rows("method", ["warm origin", "image clamp", "wide plane"])
        let lines = (0..<5).map { w.buffer.text(row: $0).trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(lines, ["method    warm origin", "+image clamp", "+wide plane", "", ""])
        var wide = SidePanel.Writer(buffer: CellBuffer(width: 60, height: 2), rect: Rect(x: 0, y: 0, width: 60, height: 2), y: 0, theme: theme)
        wide.rows("method", ["warm origin", "image clamp", "wide plane"])
        XCTAssertEqual(wide.buffer.text(row: 0).trimmingCharacters(in: .whitespaces), "method    warm origin+image clamp+wide plane")
    }
}
