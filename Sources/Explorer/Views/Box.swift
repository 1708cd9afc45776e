/// Frames and filled boxes for dialogs and overlays.
enum Box {
    /// Clears `rect` and draws a frame around its edge with `title` in the top border.
    static func draw(_ rect: Rect, title: String, theme: Theme, into buffer: inout CellBuffer) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        buffer.fill(rect)
        let g = theme.glyphs, pen = theme.frame
        for x in rect.x..<rect.maxX {
            buffer[x, rect.y] = Cell(g.horizontal, pen)
            buffer[x, rect.maxY - 1] = Cell(g.horizontal, pen)
        }
        for y in rect.y..<rect.maxY {
            buffer[rect.x, y] = Cell(g.vertical, pen)
            buffer[rect.maxX - 1, y] = Cell(g.vertical, pen)
        }
        buffer[rect.x, rect.y] = Cell(g.topLeft, pen)
        buffer[rect.maxX - 1, rect.y] = Cell(g.topRight, pen)
        buffer[rect.x, rect.maxY - 1] = Cell(g.bottomLeft, pen)
        buffer[rect.maxX - 1, rect.maxY - 1] = Cell(g.bottomRight, pen)
        if !title.isEmpty {
            buffer.write(" \(title) ", x: rect.x + 2, y: rect.y, pen: theme.header, limit: rect.width - 4)
        }
    }
}
