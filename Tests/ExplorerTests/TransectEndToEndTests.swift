import Engine
import Foundation
import TestSupport
import XCTest
@testable import MPO

/// Transects in the real binary, in tmux: `mpo view` of a saved three-model plane; v marks two
/// points, the panel shows the "Transect" section with a barrier figure and the map the segment;
/// V joins the markers; a third v clears.
final class TransectEndToEndTests: XCTestCase {
    var binary: String { RealBinary.path }

    func testMarkTwoPointsAndSeeTheProfileInTmux() throws {
        try RealBinary.skipUnlessReady()
        let folders = try Fixtures.folders(self)
        let path = try Fixtures.threeModelPlane(in: folders)  // markers A, B, C

        let tmux = Tmux()
        try tmux.startProgram(binary, "view \(path) --eval-images 32", home: folders.root, width: 130, height: 60)
        try tmux.wait("the fixed plane's panel", timeout: 90) { $0.contains("(α, β)") && $0.contains("picture: fixed plane") }

        // start at the origin, end eight samples right and four up
        try tmux.send("v")
        try tmux.wait(for: "transect start at")
        try tmux.send("l", "l", "l", "l", "l", "l", "l", "l", "k", "k", "k", "k", "v")
        func barrier(_ s: String) -> Double? {
            guard let line = s.line(containing: "barrier") else { return nil }
            let fields = line.split(separator: "│").last?.split(separator: " ") ?? []
            guard let k = fields.firstIndex(of: "barrier"), k + 1 < fields.count else { return nil }
            return Double(fields[k + 1])
        }
        let screen = try tmux.wait("the Transect section with a barrier figure", timeout: 90) { s in
            s.contains("Transect (test, 41 points") && barrier(s) != nil
        }
        XCTAssertTrue(barrier(screen)!.isFinite, screen)
        XCTAssertNotNil(screen.line(containing: "acc drop"), screen)
        XCTAssertNotNil(screen.line(containing: "from      (α 0.00, β 0.00)"), "the start is the origin: \(screen)")
        // the cursor off the end: both end glyphs and the dots between them on the map
        try tmux.send("j", "j")
        let drawn = try tmux.wait("both ends and the dots on the map") { s in
            let map = s.split(separator: "\n").map { $0.split(separator: "│", maxSplits: 1).first ?? "" }
            return map.map { $0.filter { $0 == "◆" }.count }.reduce(0, +) == 2 && map.contains { $0.contains("·") }
        }
        try? drawn.write(toFile: NSTemporaryDirectory() + "transect-e2e-screen.txt", atomically: true, encoding: .utf8)

        // the split changes: the profile follows
        try tmux.send("t")
        try tmux.wait("the train profile", timeout: 90) { $0.contains("Transect (train, 41 points") && barrier($0) != nil }
        // markers A-B, then a third v clears
        try tmux.send("V")
        try tmux.wait(for: "transect A-B")
        try tmux.wait("the A-B profile", timeout: 90) { $0.contains("Transect (train") && barrier($0) != nil }
        try tmux.send("v")
        try tmux.wait("the section to go", timeout: 20) { $0.contains("transect cleared") && !$0.contains("Transect") }

        try tmux.send("q")
        try tmux.wait(for: "EXIT=0")
        XCTAssertEqual(try tmux.display("#{alternate_on}"), "0", "left the alternate screen")
    }
}
