/// The part of a plane a view starts on, and what its coordinates are called. Grid positions
/// (the units of `Viewport`) are pattern cells for an MPO plane; for a direction plane they are
/// (row, col) = (−β, α), so α grows to the right and β upwards, as in a plot.
///
/// A frame is `rows` x `cols` cells of `cell` grid units each, centred on (centerRow, centerCol):
/// an MPO plane's frame is its pattern (cells of 1); a direction plane's is the square
/// α, β ∈ [−r, r] in 51 x 51 cells, so that its centre sample is the origin model exactly.
public struct PlaneFrame: Hashable, Sendable {
    public enum Axes: String, Hashable, Sendable {
        /// (row, col) in pattern cells.
        case cells
        /// (α, β) = (col, −row).
        case alphaBeta
    }

    public var axes: Axes
    public var rows: Int, cols: Int
    /// Grid units per frame cell.
    public var cell: Double
    public var centerRow: Double, centerCol: Double

    public init(axes: Axes, rows: Int, cols: Int, cell: Double, centerRow: Double, centerCol: Double) {
        self.axes = axes
        self.rows = rows
        self.cols = cols
        self.cell = cell
        self.centerRow = centerRow
        self.centerCol = centerCol
    }

    /// A pattern's own cells.
    public init(pattern: Pattern) {
        self.init(
            axes: .cells, rows: pattern.height, cols: pattern.width, cell: 1,
            centerRow: Double(pattern.height - 1) / 2, centerCol: Double(pattern.width - 1) / 2)
    }

    /// Samples per side of a direction plane's default view (odd: the middle one is the origin).
    public static let directionSamples = 51

    /// α, β ∈ [−radius, radius] in 51 x 51 cells.
    public static func alphaBeta(radius: Double) -> PlaneFrame {
        let n = directionSamples
        return PlaneFrame(axes: .alphaBeta, rows: n, cols: n, cell: 2 * radius / Double(n - 1), centerRow: 0, centerCol: 0)
    }

    /// The frame at one sample per cell.
    public var viewport: Viewport {
        Viewport(centerRow: centerRow, centerCol: centerCol, zoom: cell, rows: rows, cols: cols)
    }

    /// A grid position in this plane's coordinates: (row, col) or (α, β).
    public func coordinates(row: Double, col: Double) -> (Double, Double) {
        axes == .cells ? (row, col) : (col, row == 0 ? 0 : -row)
    }

    /// The grid position of coordinates (row, col) or (α, β).
    public func position(_ a: Double, _ b: Double) -> (row: Double, col: Double) {
        axes == .cells ? (a, b) : (b == 0 ? 0 : -b, a)
    }

    /// Names of the two coordinates, first and second: "row", "col" or "α", "β".
    public var names: (String, String) { axes == .cells ? ("row", "col") : ("α", "β") }

    /// What a unit of the grid is called in messages.
    public var unitName: String { axes == .cells ? "cells" : "α/β units" }
}
