import Foundation
import TestSupport
import XCTest

/// The real binary in tmux: the side panel says what the live work was sized to, and a paused
/// map refines beyond the camera's grid (more samples, more images) until it is complete.
final class LiveEndToEndTests: XCTestCase {
    var binary: String { RealBinary.path }

    /// "map       26x26 x 64 img, refined 2/4" -> (26, 26, 64, "refined 2/4").
    func mapRow(_ screen: String) -> (cols: Int, rows: Int, images: Int, rest: String)? {
        guard let line = screen.line(containing: " img"), let r = line.range(of: #"map +(\d+)x(\d+) x (\d+) img(.*)"#, options: .regularExpression) else { return nil }
        let parts = line[r].split(whereSeparator: { $0 == " " || $0 == "x" || $0 == "," }).map(String.init)
        guard parts.count >= 4, let c = Int(parts[1]), let rr = Int(parts[2]), let i = Int(parts[3]) else { return nil }
        return (c, rr, i, parts.dropFirst(5).joined(separator: " "))
    }

    func testSizingIsShownAndAPausedMapRefines() throws {
        try RealBinary.skipUnlessReady()
        let folders = try Fixtures.folders(self)
        let tmux = Tmux()
        try tmux.startProgram(binary, "explore ring12 --preset tiny --eval-images 64", home: folders.root, width: 120, height: 40)

        // measured and sized within the first steps; the live map gives the gap
        let sized = try tmux.wait("the sizing", timeout: 120) { $0.contains("sized     batch") && $0.contains("%") }
        XCTAssertNotNil(sized.line(containing: "sized     batch"))
        try tmux.wait("a gap", timeout: 60) { $0.line(containing: "gap       ")?.contains("@") ?? false }
        let live = try XCTUnwrap(mapRow(try tmux.capture()), "the map row")

        // paused: the map refines until every level is done, finer than the camera's grid
        try tmux.send("Space")
        let refined = try tmux.wait("the last refinement level", timeout: 120) { s in
            guard let m = self.mapRow(s), m.rest.hasPrefix("refined") else { return false }
            let n = m.rest.split(separator: " ").last?.split(separator: "/") ?? []
            return n.count == 2 && n[0] == n[1]
        }
        let m = try XCTUnwrap(mapRow(refined))
        let zoom = try XCTUnwrap(refined.line(containing: "cells/sample,"))
        let grid = try XCTUnwrap(zoom.range(of: #"\d+x\d+"#, options: .regularExpression).map { zoom[$0].split(separator: "x").compactMap { Int($0) } })
        XCTAssertGreaterThan(m.rows * m.cols, grid[0] * grid[1], "more samples than the camera's grid \(grid): \(m)")
        XCTAssertGreaterThanOrEqual(m.images, live.images, "at least as many images as while training")
        XCTAssertTrue(refined.contains("(current)"), "the refined picture is of the current step")

        try tmux.send("q")
        let end = try tmux.wait("quit or a question") { $0.contains("EXIT=") || $0.contains("Please choose") }
        if end.contains("Please choose") { try tmux.send("q") }
        try tmux.wait(for: "EXIT=0")
    }
}
