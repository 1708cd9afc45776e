import Foundation
import TestSupport
import XCTest
@testable import MPO

/// The real binary in a real terminal (tmux): start on a tiny pattern and net, wait for the
/// heatmap, press every main key and check the screen answers, write a checkpoint and a pattern,
/// resize, quit; the terminal must be restored. `make test` builds .build/release/mpo first;
/// MPO_BINARY overrides the path.
final class EndToEndTests: XCTestCase {
    var binary: String { RealBinary.path }

    func testExplorerInTmux() throws {
        try RealBinary.skipUnlessReady()
        let folders = try Fixtures.folders(self)
        let tmux = Tmux()
        try tmux.startProgram(binary, "explore ring12 --preset tiny --eval-images 64", home: folders.root, width: 120, height: 40)

        // the heatmap: a first complete map, in 256 colours with half blocks
        try tmux.wait(for: "picture: step", timeout: 90)
        let colours = try tmux.capture(escapes: true)
        XCTAssertTrue(colours.contains("38;5;"), "256-colour foregrounds")
        XCTAssertTrue(colours.contains("\u{2580}"), "half blocks")

        // move: the probe panel follows the cursor; a mouse click moves it too
        let at = try tmux.capture().line(containing: " at ") ?? ""
        try tmux.send("l")
        try tmux.wait("the cursor to move") { ($0.line(containing: " at ") ?? at) != at }
        try tmux.wait(for: "test      loss")
        try tmux.type("\u{1B}[<0;3;4M\u{1B}[<0;3;4m")
        try tmux.wait("a click to move the cursor") { $0.line(containing: " at ")?.contains("col -") ?? false }

        // zoom at the cursor, and back
        try tmux.send("+")
        try tmux.wait(for: "zoom      0.707")
        try tmux.send("0")
        try tmux.wait(for: "zoom      1.00")

        // split, metric, BN plane, pause
        try tmux.send("t")
        try tmux.wait("the train split") { $0.line(0).contains(" train  loss") }
        try tmux.send("m")
        try tmux.wait("accuracy") { $0.line(0).contains(" train  accuracy") }
        try tmux.send("b")
        try tmux.wait(for: "BN        on")
        try tmux.send("Space")
        try tmux.wait("paused") { $0.line(0).contains("paused") }

        // save (both planes: the plain one has unsaved steps too), then open one from the browser
        try tmux.send("s")
        try tmux.wait(for: "saved Checkpoints/")
        let saved = try FileManager.default.contentsOfDirectory(atPath: folders.checkpoints).filter { $0.hasSuffix(".safetensors") }.sorted()
        XCTAssertEqual(saved.count, 2, "both planes written into Checkpoints/: \(saved)")
        XCTAssertEqual(saved.filter { $0.contains("-bn-") }.count, 1, "one of them the BatchNorm plane: \(saved)")
        try tmux.send("o")
        try tmux.wait(for: "Open a checkpoint")
        try tmux.wait(for: String(saved.first?.dropLast(".safetensors".count) ?? "?"))
        try tmux.send("Enter")
        try tmux.wait(for: "opened ")

        // the editor: toggle a pixel, widen, write Patterns/e2e.pbm, back
        try tmux.send("e")
        try tmux.wait(for: "Pattern editor")
        try tmux.send("Space", "]")
        try tmux.wait(for: "13x12")
        // a mouse stroke along the top row (white in the ring): press, drag, release
        try tmux.type("\u{1B}[<0;3;3M\u{1B}[<32;5;3M\u{1B}[<32;7;3M\u{1B}[<0;7;3m")
        try tmux.wait(for: "undo 3,")
        try tmux.send("w")
        try tmux.wait(for: "Write Patterns/NAME.pbm")
        try tmux.send("C-u")
        try tmux.type("e2e")
        try tmux.send("Enter")
        try tmux.wait(for: "wrote Patterns/e2e.pbm")
        let written = try Pattern.readPBM(path: folders.patterns + "/e2e.pbm")
        XCTAssertEqual(written.width, 13)
        XCTAssertEqual(Array(written.bits[0..<4]), [1, 1, 1, 0], "the stroke painted three cells")
        try tmux.send("Escape")
        try tmux.wait(for: "LossPatterns")

        // help
        try tmux.send("?")
        try tmux.wait(for: "Keys (Esc closes")
        try tmux.send("Escape")
        try tmux.wait("help to close") { !$0.contains("Keys (Esc closes") }

        // resize: smaller, too small, back
        try tmux.resize(width: 80, height: 24)
        try tmux.wait("the 80x24 layout") { s in
            s.line(0).contains("LossPatterns") && s.split(separator: "\n").allSatisfy { $0.count <= 80 } && s.contains("Run")
        }
        try tmux.resize(width: 40, height: 12)
        try tmux.wait(for: "Terminal too small")
        try tmux.resize(width: 120, height: 40)
        try tmux.wait(for: "picture: step")

        // quit (answering the question if there are unsaved steps)
        try tmux.send("q")
        let end = try tmux.wait("quit or a question") { $0.contains("EXIT=") || $0.contains("Please choose") }
        if end.contains("Please choose") { try tmux.send("q") }
        try tmux.wait(for: "EXIT=0")
        XCTAssertEqual(try tmux.display("#{alternate_on}"), "0", "left the alternate screen")
        XCTAssertEqual(try tmux.display("#{mouse_any_flag}"), "0", "mouse reporting off")
    }
}
