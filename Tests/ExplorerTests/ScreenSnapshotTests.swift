import XCTest
@testable import Explorer
@testable import MPO

/// Golden text of whole screens (Snapshots/*.txt; RECORD=1 re-records), plus colour checks
/// that text alone cannot see.
final class ScreenSnapshotTests: XCTestCase {
    override func setUp() {
        Format.date.timeZone = TimeZone(identifier: "UTC")
    }

    func probed(_ state: AppState) -> AppState {
        var state = state
        var s = state.snapshot!
        let p = state.camera.cursorPosition
        s.probe = Session.Probe(row: p.row, col: p.col, step: s.training.step, trainLoss: 0.25, trainAccuracy: 0.93, testLoss: 0.31, testAccuracy: 0.9)
        s.version += 1
        _ = state.update(s)
        return state
    }

    func testMainScreenASCII() throws {
        let state = probed(try Fixtures.state(self, width: 100, height: 34, capabilities: .ascii))
        assertSnapshot(Fixtures.render(state).text, named: "main-ascii")
    }

    func testMainScreenUnicode() throws {
        var state = probed(try Fixtures.state(self, width: 100, height: 34, capabilities: .full))
        state.press("x")
        assertSnapshot(Fixtures.render(state).text, named: "main-unicode")
    }

    func testHelp() throws {
        var state = try Fixtures.state(self, width: 120, height: 40, capabilities: .full)
        state.press("?")
        assertSnapshot(Fixtures.render(state).text, named: "help")
    }

    func testBrowser() throws {
        var state = try Fixtures.state(self, width: 100, height: 30, capabilities: .full)
        let created = Date(timeIntervalSince1970: 1_790_000_000)
        let summary = Checkpoint.Summary(
            path: "/x/Checkpoints/ring12-small-s420.safetensors", net: .small, preset: "tiny", step: 420, created: created,
            pattern: Fixtures.pattern, dataset: "fashion-mnist")
        let other = Checkpoint.Summary(
            path: "/x/Checkpoints/ring12-paper-s90.safetensors", net: .paper, preset: "live", step: 90, created: created,
            pattern: Fixtures.pattern, dataset: "fashion-mnist")
        state.overlay = .browser(FileList(items: [
            CheckpointEntry(path: summary.path, name: "ring12-small-s420", modified: created, summary: summary),
            CheckpointEntry(path: other.path, name: "ring12-paper-s90", modified: created, summary: other),
            CheckpointEntry(path: "/x/Checkpoints/bad.safetensors", name: "bad", modified: created, problem: "not a checkpoint"),
        ]))
        state.press("j")
        assertSnapshot(Fixtures.render(state).text, named: "browser")
    }

    func testPicker() throws {
        var state = try Fixtures.state(self, width: 100, height: 30, capabilities: .ascii)
        state.press("p")
        assertSnapshot(Fixtures.render(state).text, named: "picker-ascii")
    }

    func testEditor() throws {
        var state = try Fixtures.state(self, width: 100, height: 30, capabilities: .full)
        state.press("e", "l", "l", "Space")
        assertSnapshot(Fixtures.render(state).text, named: "editor")
        state.overlay = nil
        state.capabilities = .ascii
        assertSnapshot(Fixtures.render(state).text, named: "editor-ascii")
    }

    func testQuitQuestion() throws {
        var state = try Fixtures.state(self, width: 80, height: 24, capabilities: .ascii)
        state.press("q")
        assertSnapshot(Fixtures.render(state).text, named: "quit-question")
    }

    func testTooSmall() throws {
        var state = try Fixtures.state(self, width: 100, height: 34)
        _ = state.resize(width: 30, height: 8)
        assertSnapshot(Fixtures.render(state).text, named: "too-small")
    }

    /// The pattern's black cells come out dark and white cells bright, in every colour depth.
    func testBlackCellsAreDarkInTheHeatmap() throws {
        for depth in [ColorDepth.truecolor, .palette256, .ansi16, .ansi8] {
            let state = try Fixtures.state(self, capabilities: Capabilities(unicode: true, colors: depth))
            let buffer = Fixtures.render(state)
            let camera = state.camera, map = state.layout.map
            func luminance(row: Double, col: Double) -> Double {
                let s = camera.viewport.sample(nearest: row, col)!
                let cell = buffer[map.x + s.col * camera.pixelsPerSample + 1, map.y + (s.row * camera.pixelsPerSample + 1) / 2]
                guard case .rgb(let c) = cell.pen.fg else { XCTFail("heatmap cells carry RGB"); return 0 }
                return c.luminance
            }
            let ring = Fixtures.pattern
            let black = (0..<ring.bits.count).first { ring.bits[$0] == 1 }!
            let white = (0..<ring.bits.count).first { ring.bits[$0] == 0 && ring.roles[$0] == .bad }!
            XCTAssertLessThan(
                luminance(row: Double(black / ring.width), col: Double(black % ring.width)),
                luminance(row: Double(white / ring.width), col: Double(white % ring.width)), "\(depth)")
        }
    }
}
