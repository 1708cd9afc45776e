import XCTest
@testable import Explorer
@testable import MPO

/// What the heatmap shows while a map refines: never coarser than the last complete picture,
/// and as fine as the screen's pixels (a refresh in place: RenderTests).
final class MapPictureRefreshTests: XCTestCase {
    /// A new, finer grid (a paused map refining) fills in over the last complete picture: where
    /// it has no value yet the picture shows what it showed before, not the new grid's coarse
    /// samples.
    func testANewFinerGridFillsInOverTheLastCompletePicture() throws {
        var state = try Fixtures.state(self)
        state.display.scale = .linear
        let before = MapPicture(state: state)
        var s = state.snapshot!
        let fine = state.camera.viewport.refined(by: 2)
        s.map.heatmap = Heatmap(viewport: fine, split: .test, step: s.training.step)
        for i in Swift.stride(from: 0, to: fine.rows, by: 4) {
            for j in Swift.stride(from: 0, to: fine.cols, by: 4) { s.map.heatmap.loss[i * fine.cols + j] = 9 }  // the first pass
        }
        s.map.progress = 0.06
        s.version += 1
        _ = state.update(s)
        let picture = MapPicture(state: state)
        XCTAssertEqual(picture.detail, 2, "two values per sample of the camera's grid")
        XCTAssertFalse(picture.values.contains { $0.isNaN }, "no holes")
        for a in 0..<fine.rows {
            for b in 0..<fine.cols {
                let x = picture.detailValue(row: a, col: b)
                if a % 4 == 0 && b % 4 == 0 {
                    XCTAssertEqual(x, 9, "a new sample shows")
                } else {
                    XCTAssertEqual(x, before.value(row: a / 2, col: b / 2), "(\(a),\(b)): the previous picture, not a coarse new sample")
                }
            }
        }
    }

    /// A complete refined map shows on screen at its own resolution: one sample of the
    /// camera's grid (5x5 pixels here) gets several colours.
    func testARefinedMapIsDrawnFinerThanTheCameraGrid() throws {
        var state = try Fixtures.state(self)
        state.display.scale = .linear
        var s = state.snapshot!
        let k = state.camera.pixelsPerSample
        XCTAssertGreaterThanOrEqual(k, 3)
        let fine = state.camera.viewport.refined(by: k)
        s.map.heatmap = Heatmap(viewport: fine, split: .test, step: s.training.step)
        for a in 0..<fine.rows { for b in 0..<fine.cols { s.map.heatmap.loss[a * fine.cols + b] = Float((a + b) % 2) } }  // a checkerboard of pixels
        s.version += 1
        _ = state.update(s)
        let picture = MapPicture(state: state)
        XCTAssertEqual(picture.detail, k, "as fine as the pixels")
        let buffer = Fixtures.render(state)
        let map = state.layout.map
        // inside the camera sample (1, 1): pixels alternate, so each character's halves differ
        let cell = buffer[map.x + k + 1, map.y + (k + 1) / 2]
        guard case .rgb(let fg) = cell.pen.fg, case .rgb(let bg) = cell.pen.bg else { return XCTFail("RGB cells") }
        XCTAssertNotEqual(fg, bg)
    }

    /// Finer values than the screen can show are not asked for: the detail stops at the pixels.
    func testDetailNeverExceedsThePixels() throws {
        var state = try Fixtures.state(self)
        var s = state.snapshot!
        let k = state.camera.pixelsPerSample
        s.map.heatmap = Heatmap(viewport: state.camera.viewport.refined(by: k * 2), split: .test, step: s.training.step)
        s.map.heatmap.loss = .init(repeating: 1, count: s.map.heatmap.viewport.count)
        s.map.heatmap.accuracy = s.map.heatmap.loss
        s.version += 1
        _ = state.update(s)
        XCTAssertEqual(MapPicture(state: state).detail, k)
    }
}
