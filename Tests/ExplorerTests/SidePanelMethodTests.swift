import XCTest
@testable import Explorer
@testable import MPO

/// The panel's `method` row names each way the run differs from the paper (README, "What the live
/// preset does differently").
final class SidePanelMethodTests: XCTestCase {
    let grid = Pattern.squareGrid(cells: 6, spacing: 3)
    let ring = Pattern.ring(size: 16)

    func testThePaperPresetIsAsThePaper() {
        XCTAssertEqual(SidePanel.method(.paper, pattern: grid), "as the paper")
    }

    func testLiveNamesTheWiderPlaneOnlyWhereThePatternGetsIt() {
        XCTAssertEqual(SidePanel.method(.live, pattern: ring), "warm origin+image clamp")
        XCTAssertEqual(SidePanel.method(.live, pattern: grid), "warm origin+image clamp+wide plane")
        // An explicit span is the user's choice, not the preset's widening.
        var spanned = TrainingConfig.live
        spanned.initialSpan = 1.6
        XCTAssertEqual(SidePanel.method(spanned, pattern: grid), "warm origin+image clamp")
    }
}
