import MPO

/// A small picture of a pattern (browser, picker): two pattern rows per character when half
/// blocks work, scaled down by nearest neighbour to fit.
enum Thumbnail {
    /// The size in characters the thumbnail of `pattern` takes within `width` x `height`.
    static func size(of pattern: Pattern, width: Int, height: Int, theme: Theme) -> (width: Int, height: Int) {
        let l = layout(pattern, width, height, theme)
        return (min(width, l.cols), min(height, l.charRows))
    }

    /// Pattern cells per thumbnail pixel, and the thumbnail's size in pixels and characters.
    private static func layout(_ pattern: Pattern, _ width: Int, _ height: Int, _ theme: Theme) -> (scale: Int, cols: Int, rows: Int, charRows: Int) {
        let rowsPerChar = theme.capabilities.drawsHalfBlocks ? 2 : 1
        let scale = max(1, (pattern.width + width - 1) / max(1, width), (pattern.height + height * rowsPerChar - 1) / max(1, height * rowsPerChar))
        let rows = (pattern.height + scale - 1) / scale
        return (scale, (pattern.width + scale - 1) / scale, rows, (rows + rowsPerChar - 1) / rowsPerChar)
    }

    static func draw(_ pattern: Pattern, at x: Int, _ y: Int, width: Int, height: Int, theme: Theme, into buffer: inout CellBuffer) {
        guard width > 0, height > 0 else { return }
        let halfBlocks = theme.capabilities.drawsHalfBlocks
        let (scale, cols, rows, charRows) = layout(pattern, width, height, theme)
        func black(_ r: Int, _ c: Int) -> Bool? {
            let (pr, pc) = (r * scale, c * scale)
            return pattern.contains(row: pr, col: pc) && r < rows ? pattern[pr, pc] : nil
        }
        let ink = ColorMap.RGB(0, 0, 0), paper = ColorMap.RGB(235, 235, 235)
        for cy in 0..<min(height, charRows) {
            for cx in 0..<min(width, cols) {
                if halfBlocks {
                    let up = black(2 * cy, cx), down = black(2 * cy + 1, cx)
                    let fg: Color = up.map { .rgb($0 ? ink : paper) } ?? .default
                    let bg: Color = down.map { .rgb($0 ? ink : paper) } ?? .default
                    buffer[x + cx, y + cy] = Cell(theme.glyphs.upperHalf, Pen(fg: fg, bg: bg))
                } else {
                    let on = black(cy, cx) ?? false
                    buffer[x + cx, y + cy] = theme.capabilities.colors > .mono
                        ? Cell(" ", Pen(bg: .rgb(on ? ink : paper))) : Cell(on ? "#" : ".")
                }
            }
        }
    }
}
