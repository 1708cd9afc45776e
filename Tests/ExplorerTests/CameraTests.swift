import XCTest
@testable import Explorer
@testable import MPO

final class CameraTests: XCTestCase {
    func testHomeViewPutsSamplesOnCellCentres() {
        let p = Pattern.ring(size: 16)
        let camera = Camera(pattern: p, pixelWidth: 80, pixelHeight: 74)
        XCTAssertEqual(camera.pixelsPerSample, 4)
        XCTAssertEqual(camera.viewport.zoom, 1)
        XCTAssertEqual(camera.viewport.cols, 20)
        XCTAssertEqual(camera.viewport.rows, 19)
        for i in 0..<camera.viewport.rows {
            let r = camera.viewport.position(row: i, col: 0).row
            XCTAssertEqual(r, r.rounded(), accuracy: 1e-9, "sample rows sit on cell centres")
        }
        XCTAssertNotNil(camera.viewport.sample(nearest: 0, 0))
        XCTAssertNotNil(camera.viewport.sample(nearest: 15, 15))
        XCTAssertTrue(camera.isHome)
    }

    func testTinyPatternsAreSampledBetweenCells() {
        let p = Pattern(width: 3, height: 3, bits: [0, 1, 0, 1, 1, 1, 0, 1, 0])
        let camera = Camera(pattern: p, pixelWidth: 80, pixelHeight: 74)
        XCTAssertLessThan(camera.viewport.zoom, 1)
        XCTAssertLessThanOrEqual(camera.pixelsPerSample, 8)
    }

    func testLargePatternsStayWithinTheSampleBudget() {
        let p = Pattern.ring(size: 128)
        let camera = Camera(pattern: p, pixelWidth: 80, pixelHeight: 74)
        XCTAssertLessThanOrEqual(camera.viewport.count, Camera.maxSamples)
        XCTAssertGreaterThan(camera.viewport.zoom, 1)
        let first = camera.viewport.position(row: 0, col: 0), last = camera.viewport.position(row: camera.viewport.rows - 1, col: camera.viewport.cols - 1)
        let half = camera.viewport.zoom / 2  // samples sit at the centres of their blocks
        XCTAssertLessThanOrEqual(first.row - half, 0)
        XCTAssertGreaterThanOrEqual(last.row + half, 127, "the whole pattern is in view")
    }

    func testZoomKeepsTheCursorsPlanePosition() {
        var camera = Camera(pattern: Pattern.ring(size: 16), pixelWidth: 80, pixelHeight: 74)
        camera.moveCursor(rows: -3, cols: 5)
        let before = camera.cursorPosition
        camera.zoom(by: Camera.zoomStep)
        XCTAssertEqual(camera.viewport.zoom, 1 / Camera.zoomStep, accuracy: 1e-12)
        XCTAssertEqual(camera.cursorPosition.row, before.row, accuracy: 1e-9)
        XCTAssertEqual(camera.cursorPosition.col, before.col, accuracy: 1e-9)
        XCTAssertFalse(camera.isHome)
    }

    func testCursorPansAtTheEdgeAndPanMovesTheView() {
        var camera = Camera(pattern: Pattern.ring(size: 16), pixelWidth: 80, pixelHeight: 74)
        let center = camera.viewport.centerCol, start = camera.cursorCol
        camera.moveCursor(rows: 0, cols: -100)
        XCTAssertEqual(camera.cursorCol, 0)
        XCTAssertEqual(camera.viewport.centerCol, center - Double(100 - start), accuracy: 1e-9)
        camera.panStep(rows: 1, cols: 0)
        XCTAssertGreaterThan(camera.viewport.centerRow, Double(15) / 2)
    }

    func testResizeRefitsTheHomeViewAndKeepsAnyOther() {
        let p = Pattern.ring(size: 16)
        var camera = Camera(pattern: p, pixelWidth: 80, pixelHeight: 74)
        camera.resize(pixelWidth: 40, pixelHeight: 36, pattern: p)
        XCTAssertEqual(camera.pixelsPerSample, 2)
        XCTAssertTrue(camera.isHome)
        camera.zoom(by: 2)
        let center = (camera.viewport.centerRow, camera.viewport.centerCol)
        let cellsPerPixel = camera.viewport.zoom / Double(camera.pixelsPerSample)
        camera.resize(pixelWidth: 100, pixelHeight: 80, pattern: p)
        XCTAssertEqual(camera.viewport.centerRow, center.0)
        XCTAssertEqual(camera.viewport.centerCol, center.1)
        XCTAssertEqual(camera.viewport.zoom / Double(camera.pixelsPerSample), cellsPerPixel, accuracy: 1e-12)
        XCTAssertLessThanOrEqual(camera.viewport.count, 512, "the sample budget holds on a larger screen")
    }
}
