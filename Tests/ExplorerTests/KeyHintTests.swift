import XCTest
@testable import Explorer
@testable import MPO

/// The hints on the bars are written from the key map: the standard map gives the lines the
/// screens have always shown, and a remapped action shows its new key.
final class KeyHintTests: XCTestCase {
    func testTheStandardMapGivesTheKnownHints() {
        let map = KeyMap.standard
        XCTAssertEqual(
            KeyHint.line(KeyHint.explorer, map, .explorer),
            "HJKL pan  +/- zoom  t split  m metric  b BN  space pause  s save  o open  p pattern  e edit  v transect  ? help")
        XCTAssertEqual(KeyHint.line(KeyHint.explorerTitle, map, .explorer), "? help  q quit")
        XCTAssertEqual(KeyHint.line(KeyHint.editorTitle, map, .editor), "? help  Esc back")
        XCTAssertEqual(KeyHint.editor.map { KeyHint.line($0, map, .editor) }, [
            "arrows/hjkl move  space toggle  click/drag paint  c clear  i invert  u undo  C-r redo  n new",
            "[ ] width  { } height  r size  p load  w write  t train on this  Esc back  ? help",
        ])
        XCTAssertEqual(KeyHint.line(KeyHint.browser, map, .list, separator: "   "), "Enter open   Esc close   arrows/jk move")
        XCTAssertEqual(KeyHint.line(KeyHint.picker, map, .list, separator: "   "), "Enter train a fresh plane   e edit   Esc close")
        XCTAssertEqual(KeyHint.line(KeyHint.editorPicker, map, .list, separator: "   "), "Enter load   Esc close")
        XCTAssertEqual(StatusBar.problem(.diverged("loss is NaN"), map), "loss is NaN. o opens a checkpoint, p starts a pattern afresh.")
    }

    func testARemappedKeyShowsOnTheFooterAndTitle() throws {
        var state = try Fixtures.state(self, width: 140, height: 34)
        let before = Fixtures.render(state).text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertTrue(before.last!.contains(" s save "), String(before.last!))
        let problems = state.keyMap.apply(config: """
            explorer w = save
            explorer s = toggleEdges
            explorer a = panLeft
            explorer H = cycleScale
            explorer F10 = quit
            explorer q = toggleMetric
            """)
        XCTAssertEqual(problems, [])
        let lines = Fixtures.render(state).text.split(separator: "\n", omittingEmptySubsequences: false)
        let footer = String(lines.last!), title = String(lines.first!)
        XCTAssertTrue(footer.contains(" w save "), footer)
        XCTAssertFalse(footer.contains("s save"), footer)
        XCTAssertTrue(footer.hasPrefix(" aJKL pan "), footer)
        XCTAssertTrue(footer.contains(" q metric "), "a key added to an action is the one shown: " + footer)
        XCTAssertTrue(title.hasSuffix("? help  F10 quit"), title)
        state.press("w")
        XCTAssertEqual(state.takeCommands().count, 1, "the key the footer shows is the one that saves")
    }

    func testARemappedEditorKeyShowsInTheEditor() throws {
        var state = try Fixtures.state(self, width: 100, height: 30)
        state.press("e")
        _ = state.keyMap.apply(config: "editor z = undo\neditor u = redo")
        let text = Fixtures.render(state).text
        XCTAssertTrue(text.contains("  z undo  u redo  "), text)
        XCTAssertFalse(text.contains("u undo"), text)
    }
}
