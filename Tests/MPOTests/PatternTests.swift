import Engine
import MPO
import XCTest

/// The ternary mask (which cells training uses) and the pattern generators.
final class PatternTests: XCTestCase {
    /// Rows of '#' (black) and '.' (white).
    func pattern(_ rows: [String]) -> Pattern {
        Pattern(width: rows[0].count, height: rows.count, bits: rows.flatMap { $0.map { $0 == "#" ? 1 : 0 } })
    }

    /// The mask as rows: '#' good, '.' bad, ' ' ignored.
    func mask(_ p: Pattern) -> [String] {
        let roles = p.roles
        return (0..<p.height).map { r in
            String((0..<p.width).map { c in [Pattern.Role.good: "#", .bad: ".", .ignored: " "][roles[r * p.width + c]]! })
        }
    }

    func testSingleBlackCentreTrainsItselfAndItsEightNeighbours() {
        let p = pattern([".....", ".....", "..#..", ".....", "....."])
        XCTAssertEqual(mask(p), ["     ", " ... ", " .#. ", " ... ", "     "])
        let (good, bad) = p.trainedCells
        XCTAssertEqual(good, [Cell(row: 2, col: 2)])
        XCTAssertEqual(bad.count, 8)
        XCTAssertEqual(p.role(row: 0, col: 0), .ignored)
    }

    func testBorderCellsLookOnlyAtNeighboursInsideThePattern() {
        // A black corner: its clipped neighbourhood has 3 cells, all white, so it is an edge.
        XCTAssertEqual(mask(pattern(["#..", "...", "..."])), ["#. ", ".. ", "   "])
        // A black left column: the outside does not count as another colour, so column 2+ is ignored
        // and the black column is trained only because of column 1.
        XCTAssertEqual(mask(pattern(["#...", "#...", "#...", "#..."])), ["#.  ", "#.  ", "#.  ", "#.  "])
        // A black right border column inside a white field: same from the other side.
        XCTAssertEqual(mask(pattern(["...#", "...#", "...#"])), ["  .#", "  .#", "  .#"])
    }

    func testUniformPatternsTrainNothing() {
        for bit: UInt8 in [0, 1] {
            let p = Pattern(width: 6, height: 6, bits: .init(repeating: bit, count: 36))
            XCTAssertTrue(p.roles.allSatisfy { $0 == .ignored })
            XCTAssertTrue(p.trainedCells.good.isEmpty && p.trainedCells.bad.isEmpty)
        }
    }

    func testCheckerboardTrainsEveryCell() {
        let p = Pattern(width: 6, height: 6) { r, c in (r + c) % 2 == 0 }
        XCTAssertEqual(p.trainedCells.good.count, 18)
        XCTAssertEqual(p.trainedCells.bad.count, 18)
        // With 2x2 blocks only the four corner cells see one colour in their clipped neighbourhood.
        let blocks = Pattern.checker(size: 8, block: 2)
        let ignored = blocks.roles.enumerated().filter { $0.element == .ignored }.map { Cell(row: $0.offset / 8, col: $0.offset % 8) }
        XCTAssertEqual(Set(ignored), [Cell(row: 0, col: 0), Cell(row: 0, col: 7), Cell(row: 7, col: 0), Cell(row: 7, col: 7)])
    }

    func testInvertingSwapsGoodAndBad() {
        let p = Pattern.ring(size: 16)
        let swapped = p.inverted().roles.map { Pattern.Role(rawValue: -$0.rawValue)! }
        XCTAssertEqual(swapped, p.roles)
        XCTAssertEqual(p.inverted().blackCount, 256 - p.blackCount)
    }

    func testSquareOutlineAndFrames() {
        let outline = Pattern.squareOutline(size: 8)
        XCTAssertEqual(mask(outline).count, 8)
        XCTAssertEqual(outline.blackCount, 4 * 5)
        XCTAssertFalse(outline[0, 0])
        XCTAssertTrue(outline[1, 1] && outline[6, 6] && outline[1, 6])
        XCTAssertFalse(outline[2, 2])
        XCTAssertEqual(Pattern.squareFrame(size: 8, thickness: 1).bits, outline.bits, "thickness 1 is the paper's outline")
        let frame = Pattern.squareFrame(size: 16, thickness: 3)
        XCTAssertEqual(frame.blackCount, 14 * 14 - 8 * 8)
        XCTAssertTrue(frame[3, 3] && !frame[4, 4] && !frame[0, 5] && frame[14, 14])
        XCTAssertEqual(Pattern.squareFrame(size: 6, thickness: 5).blackCount, 16, "a frame thicker than the square fills it")
    }

    func testCrossAndChecker() {
        let cross = Pattern.cross(size: 16, thickness: 4)
        XCTAssertEqual(cross.blackCount, 2 * 14 * 4 - 16)
        XCTAssertTrue(cross[1, 6] && cross[7, 1] && !cross[0, 7] && !cross[5, 5])
        let checker = Pattern.checker(size: 16, block: 4)
        XCTAssertEqual(checker.blackCount, 128)
        XCTAssertTrue(checker[0, 0] && checker[3, 3] && !checker[0, 4] && checker[4, 4])
    }

    func testRandomlyFilledSquareIsSeededAndKeepsItsOutline() {
        let a = Pattern.randomlyFilledSquare(size: 16, probability: 0.5, seed: 7)
        XCTAssertEqual(a, Pattern.randomlyFilledSquare(size: 16, probability: 0.5, seed: 7), "same seed, same pattern")
        XCTAssertNotEqual(a.bits, Pattern.randomlyFilledSquare(size: 16, probability: 0.5, seed: 8).bits)
        XCTAssertEqual(a.width, 16)
        XCTAssertEqual(a.height, 16)
        for k in 1...14 { XCTAssertTrue(a[1, k] && a[14, k] && a[k, 1] && a[k, 14]) }
        for k in 0...15 { XCTAssertFalse(a[0, k] || a[15, k] || a[k, 0] || a[k, 15]) }
        let interior = (2...13).flatMap { r in (2...13).map { a[r, $0] } }.filter { $0 }.count
        XCTAssertTrue((40...104).contains(interior), "about half of 144 interior cells, got \(interior)")
        XCTAssertEqual(Pattern.randomlyFilledSquare(size: 12, probability: 0, seed: 1).bits, Pattern.squareOutline(size: 12).bits)
        XCTAssertEqual(Pattern.randomlyFilledSquare(size: 12, probability: 1, seed: 1).blackCount, 10 * 10)
    }

    func testSquareGridAndRings() {
        let grid = Pattern.squareGrid(cells: 4, spacing: 3)
        XCTAssertEqual(grid.width, 12)
        XCTAssertEqual(grid.blackCount, 16)
        XCTAssertTrue(grid[1, 1] && grid[1, 4] && grid[10, 10] && !grid[0, 0] && !grid[2, 2])
        XCTAssertEqual(grid.trainedCells.good.count, 16)
        let ring = Pattern.ring(size: 16)
        XCTAssertFalse(ring[7, 7], "a ring has a hole")
        XCTAssertTrue(ring[7, 2])
        let disk = Pattern.ring(size: 16, outer: 0.42, inner: 0)
        XCTAssertTrue(disk[7, 7])
        XCTAssertFalse(disk[0, 0])
        XCTAssertGreaterThan(disk.blackCount, ring.blackCount)
    }

    func testNoiseIsSeededAndFollowsItsProbability() {
        let a = Pattern.random(width: 40, height: 30, probability: 0.5, seed: 3)
        XCTAssertEqual(a.width, 40)
        XCTAssertEqual(a.height, 30)
        XCTAssertEqual(a, Pattern.random(width: 40, height: 30, probability: 0.5, seed: 3))
        XCTAssertTrue((480...720).contains(a.blackCount), "about half of 1200, got \(a.blackCount)")
        XCTAssertEqual(Pattern.random(width: 5, height: 4, probability: 0, seed: 3).blackCount, 0)
        XCTAssertEqual(Pattern.random(width: 5, height: 4, probability: 1, seed: 3).blackCount, 20)
    }
}
