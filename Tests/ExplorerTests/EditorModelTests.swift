import XCTest
@testable import Explorer
@testable import MPO

final class EditorModelTests: XCTestCase {
    func blank(_ w: Int = 5, _ h: Int = 4) -> EditorModel {
        EditorModel(pattern: Pattern(width: w, height: h, bits: .init(repeating: 0, count: w * h), name: "t"))
    }

    func testToggleUndoRedo() {
        var e = blank()
        e.setCursor(row: 1, col: 2)
        e.togglePixel()
        XCTAssertTrue(e.pattern[1, 2])
        XCTAssertTrue(e.isModified)
        e.moveCursor(rows: 0, cols: 1)
        e.togglePixel()
        XCTAssertEqual(e.pattern.blackCount, 2)
        e.undo()
        XCTAssertEqual(e.pattern.blackCount, 1)
        e.undo()
        XCTAssertEqual(e.pattern.blackCount, 0)
        XCTAssertFalse(e.isModified)
        e.undo()  // nothing left: no change
        XCTAssertEqual(e.pattern.blackCount, 0)
        e.redo()
        e.redo()
        XCTAssertEqual(e.pattern.blackCount, 2)
        e.undo()
        e.invert()  // a new edit clears the redo stack
        XCTAssertFalse(e.canRedo)
        XCTAssertEqual(e.pattern.blackCount, 19)
    }

    func testAStrokeIsOneUndoStepAndPaintsOneValue() {
        var e = blank()
        e.beginStroke(row: 0, col: 0)  // white -> black: the stroke paints black
        for c in 1..<5 { e.continueStroke(row: 0, col: c) }
        e.continueStroke(row: 1, col: 4)
        e.endStroke()
        XCTAssertEqual(e.pattern.blackCount, 6)
        e.continueStroke(row: 3, col: 3)  // no stroke: ignored
        XCTAssertEqual(e.pattern.blackCount, 6)
        e.undo()
        XCTAssertEqual(e.pattern.blackCount, 0)
    }

    func testResizeKeepsTheTopLeftAndClampsTheCursor() {
        var e = blank(6, 6)
        e.setCursor(row: 5, col: 5)
        e.togglePixel()
        e.setCursor(row: 0, col: 0)
        e.togglePixel()
        e.resize(width: 4, height: 3)
        XCTAssertEqual(e.pattern.width, 4)
        XCTAssertEqual(e.pattern.height, 3)
        XCTAssertEqual(e.pattern.blackCount, 1)
        e.resize(width: 1, height: 500)
        XCTAssertEqual(e.pattern.width, EditorModel.sides.lowerBound)
        XCTAssertEqual(e.pattern.height, EditorModel.sides.upperBound)
        e.undo()
        e.undo()
        XCTAssertEqual(e.pattern.blackCount, 2)
        XCTAssertEqual(e.pattern.width, 6)
    }

    func testClearAndMarkSaved() {
        var e = EditorModel(pattern: Pattern.ring(size: 8))
        XCTAssertFalse(e.isModified)
        e.clear()
        XCTAssertEqual(e.pattern.blackCount, 0)
        e.markSaved(name: "empty")
        XCTAssertFalse(e.isModified)
        XCTAssertEqual(e.pattern.name, "empty")
    }
}
