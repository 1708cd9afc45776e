import XCTest
@testable import Explorer
@testable import MPO

/// Key -> action -> state, with the session's commands read from the outbox.
final class KeyActionTests: XCTestCase {
    func testArrowsAndHJKLBothMoveAndShiftPans() {
        let map = KeyMap.standard
        for (a, b, action) in [("Left", "h", Action.cursorLeft), ("Down", "j", .cursorDown), ("Up", "k", .cursorUp), ("Right", "l", .cursorRight)] {
            XCTAssertEqual(map.action(for: Key(name: a)!, in: .explorer), action)
            XCTAssertEqual(map.action(for: Key(name: b)!, in: .explorer), action)
            XCTAssertEqual(map.action(for: Key(name: a)!, in: .editor), action)
            XCTAssertEqual(map.action(for: Key(name: b)!, in: .editor), action)
            XCTAssertEqual(map.action(for: Key(name: a)!, in: .list), action)
        }
        XCTAssertEqual(map.action(for: .shiftLeft, in: .explorer), .panLeft)
        XCTAssertEqual(map.action(for: .char("H"), in: .explorer), .panLeft)
        XCTAssertEqual(map.action(for: .shiftUp, in: .explorer), .panUp)
        XCTAssertEqual(map.action(for: .char("K"), in: .explorer), .panUp)
    }

    func testEveryExplorerActionOfTheIssueHasAKey() {
        let required: [Action] = [
            .zoomIn, .zoomOut, .resetView, .toggleSplit, .toggleMetric, .toggleBatchNorm, .togglePause, .save,
            .openBrowser, .openPicker, .openEditor, .help, .quit, .cycleColorMap, .cycleScale, .toggleEdges,
        ]
        for a in required { XCTAssertFalse(KeyMap.standard.keys(for: a, in: .explorer).isEmpty, "\(a) has no key") }
    }

    func testCursorMoveThenRestSendsAProbe() throws {
        var state = try Fixtures.state(self)
        let t0 = Date()
        let col = state.camera.cursorCol
        let redraw = state.press("l", now: t0)
        XCTAssertEqual(state.camera.cursorCol, col + 1)
        XCTAssertTrue(redraw.contains(.map))
        _ = state.tick(now: t0)  // not rested yet
        XCTAssertTrue(state.takeCommands().isEmpty)
        _ = state.tick(now: t0.addingTimeInterval(0.2))
        let commands = state.takeCommands()
        guard case .probe(let row, let c) = commands.first else { return XCTFail("expected a probe, got \(commands)") }
        XCTAssertEqual(row, state.camera.cursorPosition.row)
        XCTAssertEqual(c, state.camera.cursorPosition.col)
        _ = state.tick(now: t0.addingTimeInterval(0.4))
        XCTAssertTrue(state.takeCommands().isEmpty, "one probe per position")
    }

    func testZoomPanAndResetSendViewports() throws {
        var state = try Fixtures.state(self)
        let home = state.camera.viewport
        state.press("+")
        guard case .setViewport(let v) = state.takeCommands().last else { return XCTFail("no viewport sent") }
        XCTAssertEqual(v.zoom, home.zoom / Camera.zoomStep, accuracy: 1e-12)
        state.press("-", "-")
        XCTAssertEqual(state.camera.viewport.zoom, home.zoom * Camera.zoomStep, accuracy: 1e-12)
        state.press("S-Right")
        XCTAssertGreaterThan(state.camera.viewport.centerCol, home.centerCol)
        state.press("0")
        XCTAssertEqual(state.camera.viewport, home)
        guard case .setViewport(let back) = state.takeCommands().last else { return XCTFail("no viewport sent") }
        XCTAssertEqual(back, home)
    }

    func testTogglesSendCommandsOrChangeTheDisplay() throws {
        var state = try Fixtures.state(self)
        state.press("t")
        XCTAssertEqual(state.split, .train)
        guard case .setSplit(.train) = state.takeCommands().first else { return XCTFail("no split sent") }
        state.press("m")
        XCTAssertEqual(state.display.metric, .accuracy)
        state.press("b")
        guard case .toggleBatchNorm = state.takeCommands().first else { return XCTFail("no BN toggle") }
        state.press("Space")
        guard case .togglePause = state.takeCommands().first else { return XCTFail("no pause") }
        state.press("s")
        guard case .save(nil) = state.takeCommands().first else { return XCTFail("no save") }
        state.press("c")
        XCTAssertEqual(state.display.colorMap, .diverging)
        XCTAssertEqual(state.display.scale, .linear)
        state.press("g", "g", "x")
        XCTAssertEqual(state.display.scale, .log)
        XCTAssertTrue(state.display.showEdges)
    }

    func testHelpOpensAndCloses() throws {
        var state = try Fixtures.state(self)
        state.press("?")
        guard case .help = state.overlay else { return XCTFail("help not shown") }
        XCTAssertEqual(state.keyContext, .help)
        state.press("l")  // not a help key: ignored, help stays
        guard case .help = state.overlay else { return XCTFail("help closed on l") }
        state.press("Esc")
        XCTAssertNil(state.overlay)
    }

    func testQuitAsksWhenStepsAreUnsaved() throws {
        var state = try Fixtures.state(self)
        state.press("q")
        guard case .confirm = state.overlay else { return XCTFail("no question") }
        XCTAssertNil(state.exitCode)
        state.press("n")
        XCTAssertNil(state.overlay)
        state.press("q", "q")
        XCTAssertEqual(state.exitCode, 0)
    }

    func testSaveThenQuitWaitsForTheSave() throws {
        var state = try Fixtures.state(self)
        state.press("q", "s")
        guard case .save(nil) = state.takeCommands().first else { return XCTFail("no save") }
        XCTAssertNil(state.exitCode)
        var s = state.snapshot!
        s.version += 1
        s.training.unsavedSteps = 0
        s.training.lastSavedPath = state.folders.checkpoints + "/x.safetensors"
        s.training.savesCompleted = 1
        _ = state.update(s)
        XCTAssertEqual(state.exitCode, 0)
        XCTAssertEqual(state.farewell, "saved Checkpoints/x.safetensors")
    }

    func testPickerTrainsAfterAskingAboutUnsavedSteps() throws {
        var state = try Fixtures.state(self)
        state.press("p")
        guard case .picker(let list, false) = state.overlay else { return XCTFail("no picker") }
        XCTAssertEqual(list.items.map(\.name), ["ring12"])
        state.press("Enter")
        guard case .confirm = state.overlay else { return XCTFail("no question about unsaved steps") }
        state.press("y")
        guard case .train(let p) = state.takeCommands().first else { return XCTFail("no train") }
        XCTAssertEqual(p.bits, Fixtures.pattern.bits)
    }

    func testBrowserListsAndOpensCheckpoints() throws {
        var state = try Fixtures.state(self)
        var s = state.snapshot!
        s.training.unsavedSteps = 0
        s.version += 1
        _ = state.update(s)
        // a file that is not a checkpoint is listed with its problem and cannot be opened
        _ = FileManager.default.createFile(atPath: state.folders.checkpoints + "/broken.safetensors", contents: Data([1, 2, 3]))
        state.press("o")
        guard case .browser(let list) = state.overlay else { return XCTFail("no browser") }
        XCTAssertEqual(list.items.map(\.name), ["broken"])
        XCTAssertNotNil(list.items[0].problem)
        state.press("Enter")
        XCTAssertTrue(state.notice?.isError ?? false)
        XCTAssertTrue(state.takeCommands().isEmpty)
        state.press("Esc")
        XCTAssertNil(state.overlay)
    }

    func testEditorEditsWritesAndTrains() throws {
        var state = try Fixtures.state(self)
        state.press("e")
        XCTAssertEqual(state.screen, .editor)
        let before = state.editor.pattern.blackCount
        state.press("Space")
        XCTAssertNotEqual(state.editor.pattern.blackCount, before)
        state.press("u")
        XCTAssertEqual(state.editor.pattern.blackCount, before)
        state.press("C-r")
        XCTAssertNotEqual(state.editor.pattern.blackCount, before)

        // a name that would leave Patterns/ is refused in the prompt
        state.press("w", "C-u", ".", ".", "/", "x", "Enter")
        guard case .prompt(let p) = state.overlay else { return XCTFail("prompt closed on a bad name") }
        XCTAssertNotNil(p.error)
        state.press("C-u", "m", "i", "n", "e", "Enter")
        XCTAssertNil(state.overlay)
        let written = try Pattern.readPBM(path: state.folders.patterns + "/mine.pbm")
        XCTAssertEqual(written.bits, state.editor.pattern.bits)
        XCTAssertFalse(state.editor.isModified)

        state.press("t")  // train on this: the current plane has unsaved steps
        state.press("y")
        guard case .train(let trained) = state.takeCommands().first else { return XCTFail("no train") }
        XCTAssertEqual(trained.name, "mine")
        XCTAssertEqual(state.screen, .explorer)
    }

    func testEditorOnlyQuitsFromTheEditorAndAsksAboutChanges() throws {
        var state = AppState(pattern: Fixtures.pattern, width: 100, height: 34, capabilities: .full,
                             folders: try Fixtures.folders(self), editorOnly: true)
        XCTAssertEqual(state.screen, .editor)
        state.press("Space", "Esc")
        guard case .confirm = state.overlay else { return XCTFail("no question about changes") }
        state.press("q")
        XCTAssertEqual(state.exitCode, 0)
    }

    func testMouseClickWheelAndPaint() throws {
        var state = try Fixtures.state(self)
        let map = state.layout.map
        _ = state.handle(MouseEvent(.press, x: map.x + 1, y: map.y + 1))
        XCTAssertEqual(state.camera.cursorRow, 0)
        XCTAssertEqual(state.camera.cursorCol, 0)
        let zoom = state.camera.viewport.zoom
        _ = state.handle(MouseEvent(.wheelUp, x: map.x + 20, y: map.y + 10))
        XCTAssertLessThan(state.camera.viewport.zoom, zoom)

        state.press("e", "c")  // editor, cleared
        let g = EditorGeometry(state: state)
        _ = state.handle(MouseEvent(.press, x: g.grid.x, y: g.grid.y))
        for c in 1..<4 { _ = state.handle(MouseEvent(.drag, x: g.grid.x + c * g.cellWidth, y: g.grid.y)) }
        _ = state.handle(MouseEvent(.release, x: g.grid.x + 3 * g.cellWidth, y: g.grid.y))
        XCTAssertEqual(state.editor.pattern.blackCount, 4)
        state.press("u")
        XCTAssertEqual(state.editor.pattern.blackCount, 0, "a stroke is one undo step")
    }

    func testKeysConfRemaps() {
        var map = KeyMap.standard
        let problems = map.apply(config: """
            # my keys
            explorer x = quit
            editor F5 = trainOnPattern
            nonsense line
            """)
        XCTAssertEqual(problems.count, 1)
        XCTAssertEqual(map.action(for: .char("x"), in: .explorer), .quit)
        XCTAssertEqual(map.action(for: .function(5), in: .editor), .trainOnPattern)
        XCTAssertFalse(map.keys(for: .toggleEdges, in: .explorer).contains(.char("x")))
    }

    func testResizeKeepsStateConsistent() throws {
        var state = try Fixtures.state(self)
        XCTAssertEqual(state.resize(width: 40, height: 10), .all)
        XCTAssertFalse(state.fitsScreen)
        XCTAssertTrue(Fixtures.render(state).text.contains("Terminal too small"))
        _ = state.resize(width: 120, height: 40)
        XCTAssertTrue(state.fitsScreen)
        XCTAssertEqual(state.camera.pixelWidth, state.layout.map.width)
    }
}
