import MPO

/// The map: each character shows two samples' pixels stacked (upper half block, foreground =
/// upper, background = lower). Without colour, an ASCII ramp; with colour but no UTF-8, one
/// background colour per character.
struct HeatmapView {
    let state: AppState
    let picture: MapPicture
    let theme: Theme

    func render(into buffer: inout CellBuffer, rect: Rect) {
        let camera = state.camera
        guard !rect.isEmpty else { return }
        let caps = theme.capabilities
        let edges = state.display.showEdges ? edgePixels(width: rect.width, height: rect.height * 2) : nil
        let k = camera.pixelsPerSample, f = picture.detail  // pixels per sample; values per sample (f <= k)
        func t(_ px: Int, _ py: Int) -> Double? {
            let (i, j) = (min(picture.rows * f - 1, py * f / k), min(picture.cols * f - 1, px * f / k))
            return picture.scale(picture.detailValue(row: i, col: j))
        }
        func isEdge(_ px: Int, _ py: Int) -> Bool { edges?[py * rect.width + px] ?? false }
        func rgb(_ t: Double?) -> ColorMap.RGB { t.map(picture.color) ?? MapPicture.unknown }

        for cy in 0..<rect.height {
            for cx in 0..<rect.width {
                let (up, down) = (t(cx, 2 * cy), t(cx, 2 * cy + 1))
                let edge = (isEdge(cx, 2 * cy), isEdge(cx, 2 * cy + 1))
                var cell: Cell
                if caps.drawsHalfBlocks {
                    let fg = edge.0 ? picture.edgeColor : rgb(up)
                    let bg = edge.1 ? picture.edgeColor : rgb(down)
                    cell = Cell(theme.glyphs.upperHalf, Pen(fg: .rgb(fg), bg: .rgb(bg)))
                } else if caps.colors > .mono {
                    let mean = up.flatMap { u in down.map { (u + $0) / 2 } } ?? up ?? down
                    cell = edge.0 || edge.1 ? Cell("#", Pen(fg: .rgb(picture.edgeColor), bg: .rgb(rgb(mean))))
                        : Cell(" ", Pen(bg: .rgb(rgb(mean))))
                } else {
                    let mean = up.flatMap { u in down.map { (u + $0) / 2 } } ?? up ?? down
                    let ramp = Glyphs.ramp
                    let ch = mean.map { ramp[min(ramp.count - 1, Int(($0 * Double(ramp.count - 1)).rounded()))] } ?? " "
                    cell = Cell(ch, edge.0 || edge.1 ? Pen(.reverse) : .plain)
                }
                buffer[rect.x + cx, rect.y + cy] = cell
            }
        }
        drawCursor(into: &buffer, rect: rect)
    }

    /// A "+" at the centre of the cursor's sample, in black or white against the sample's colour.
    private func drawCursor(into buffer: inout CellBuffer, rect: Rect) {
        let camera = state.camera
        let k = camera.pixelsPerSample
        let px = min(rect.width - 1, camera.cursorCol * k + k / 2)
        let py = min(rect.height * 2 - 1, camera.cursorRow * k + k / 2)
        let (x, y) = (rect.x + px, rect.y + py / 2)
        guard rect.contains(x: x, y: y) else { return }
        let value = picture.value(row: camera.cursorRow, col: camera.cursorCol)
        if theme.capabilities.colors > .mono {
            let bg = picture.scale(value).map(picture.color) ?? MapPicture.unknown
            let fg: Color = bg.luminance > 0.5 ? .rgb(ColorMap.RGB(0, 0, 0)) : .rgb(ColorMap.RGB(255, 255, 255))
            buffer[x, y] = Cell(theme.glyphs.cursor, Pen(fg: fg, bg: .rgb(bg), .bold))
        } else {
            buffer[x, y] = Cell(theme.glyphs.cursor, Pen([.reverse, .bold]))
        }
    }

    /// Pixels on the inner border of the pattern's black regions: black cells whose neighbouring
    /// pixel lies in a white cell or outside the pattern.
    private func edgePixels(width: Int, height: Int) -> [Bool] {
        guard let pattern = state.snapshot?.pattern ?? Optional(state.editor.pattern) else { return [] }
        var black = [Bool](repeating: false, count: width * height)
        for py in 0..<height {
            for px in 0..<width {
                let p = state.camera.position(atPixelX: px, y: py)
                let (r, c) = (Int(p.row.rounded()), Int(p.col.rounded()))
                black[py * width + px] = pattern.contains(row: r, col: c) && pattern[r, c]
            }
        }
        var edge = [Bool](repeating: false, count: width * height)
        for py in 0..<height {
            for px in 0..<width where black[py * width + px] {
                let neighbours = [(px - 1, py), (px + 1, py), (px, py - 1), (px, py + 1)]
                edge[py * width + px] = neighbours.contains { (x, y) in
                    x >= 0 && x < width && y >= 0 && y < height && !black[y * width + x]
                }
            }
        }
        return edge
    }
}
