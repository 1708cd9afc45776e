import Engine
import Foundation
import MPO
import TestSupport
import XCTest

/// Every pattern in Patterns/ is a readable, trainable picture of a sensible size.
final class ShippedPatternTests: XCTestCase {
    let folders = ProjectFolders(root: RenderTestKit.root)

    func testEveryShippedPatternLoadsAndHasGoodAndBadCells() throws {
        let names = folders.shippedPatternNames()
        XCTAssertGreaterThanOrEqual(names.count, 8, "shipped: \(names)")
        for name in names {
            let path = folders.patterns + "/\(name).pbm"
            let p = try Pattern.readPBM(path: path)
            XCTAssertEqual(p.name, name)
            XCTAssertTrue((16...48).contains(p.width) && (16...48).contains(p.height), "\(name) is \(p.width)x\(p.height)")
            let (good, bad) = p.trainedCells
            XCTAssertFalse(good.isEmpty, "\(name) trains no good cell")
            XCTAssertFalse(bad.isEmpty, "\(name) trains no bad cell")
            let text = try String(contentsOfFile: path, encoding: .utf8)
            XCTAssertTrue(text.hasPrefix("P1\n# \(name)"), "\(name).pbm is plain PBM with a comment line naming it")
        }
    }

    func testTheDefaultPatternIsASmallSmiley() throws {
        XCTAssertTrue(folders.shippedPatternNames().contains(ProjectFolders.defaultPattern))
        let p = try folders.loadPattern(ProjectFolders.defaultPattern)
        XCTAssertTrue((16...20).contains(p.width) && (16...20).contains(p.height))
        // Symmetric left to right, like a face.
        for r in 0..<p.height { for c in 0..<p.width { XCTAssertEqual(p[r, c], p[r, p.width - 1 - c]) } }
    }

    func testGeneratedShippedPatternsMatchTheirGenerators() throws {
        let expected: [String: Pattern] = [
            "ring": .ring(size: 16), "disk": .ring(size: 16, outer: 0.42, inner: 0),
            "square": .squareFrame(size: 16, thickness: 3), "cross": .cross(size: 16, thickness: 4),
            "checker": .checker(size: 16, block: 4), "grid": .squareGrid(cells: 6, spacing: 3),
            "random": .randomlyFilledSquare(size: 16, probability: 0.5, seed: 1),
        ]
        for (name, pattern) in expected {
            XCTAssertEqual(try folders.loadPattern(name).bits, pattern.bits, name)
        }
    }

    func testTheRingIsTheReferenceRing() throws {
        let reference = (sharedFolder("patterns") ?? "/nonexistent") + "/ring16.pbm"
        try XCTSkipUnless(FileManager.default.fileExists(atPath: reference), "no shared reference patterns (shared/patterns) here")
        XCTAssertEqual(try folders.loadPattern("ring").bits, try Pattern.readPBM(path: reference).bits)
    }
}
