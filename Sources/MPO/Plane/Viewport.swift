/// A rectangular window onto the plane: `rows` x `cols` samples centred on a plane position,
/// `zoom` pattern cells apart. Plane position (row, col) = pattern cell (row, col); the view may
/// reach beyond the pattern and between its cells (fractional positions).
public struct Viewport: Hashable, Sendable, Codable {
    public var centerRow: Double
    public var centerCol: Double
    /// Pattern cells per sample: 1 shows the pattern at its own resolution, 0.5 zooms in 2x.
    public var zoom: Double
    public var rows: Int
    public var cols: Int

    public init(centerRow: Double, centerCol: Double, zoom: Double, rows: Int, cols: Int) {
        self.centerRow = centerRow
        self.centerCol = centerCol
        self.zoom = zoom
        self.rows = rows
        self.cols = cols
    }

    /// The pattern at one sample per cell.
    public init(pattern: Pattern) {
        self.init(
            centerRow: Double(pattern.height - 1) / 2, centerCol: Double(pattern.width - 1) / 2, zoom: 1,
            rows: pattern.height, cols: pattern.width)
    }

    /// A `rows` x `cols` view whose samples cover the pattern (with `margin` cells around it).
    public init(fitting pattern: Pattern, rows: Int, cols: Int, margin: Double = 0) {
        let zoom = max(Double(pattern.height) + 2 * margin, 1) / Double(max(rows, 1))
        let zoomW = max(Double(pattern.width) + 2 * margin, 1) / Double(max(cols, 1))
        self.init(
            centerRow: Double(pattern.height - 1) / 2, centerCol: Double(pattern.width - 1) / 2,
            zoom: max(zoom, zoomW), rows: rows, cols: cols)
    }

    /// Plane position of sample (i, j).
    public func position(row i: Int, col j: Int) -> (row: Double, col: Double) {
        (centerRow + (Double(i) - Double(rows - 1) / 2) * zoom, centerCol + (Double(j) - Double(cols - 1) / 2) * zoom)
    }

    /// The sample nearest to a plane position, if inside the view.
    public func sample(nearest row: Double, _ col: Double) -> (row: Int, col: Int)? {
        let i = Int(((row - centerRow) / zoom + Double(rows - 1) / 2).rounded())
        let j = Int(((col - centerCol) / zoom + Double(cols - 1) / 2).rounded())
        return (0..<rows).contains(i) && (0..<cols).contains(j) ? (i, j) : nil
    }

    public var count: Int { rows * cols }
}
