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
        // pattern edges (not of a fixed plane's idle pattern), or a fixed plane's trajectory: same overlay
        let edges = state.fixedPlane.map { pathPixels($0, width: rect.width, height: rect.height * 2) }
            ?? (state.display.showEdges ? edgePixels(width: rect.width, height: rect.height * 2) : nil)
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
        if let fixed = state.fixedPlane { drawMarkers(fixed, into: &buffer, rect: rect) }
        drawTransect(into: &buffer, rect: rect)
        drawCursor(into: &buffer, rect: rect)
    }

    /// The map pixel (x, y) of a grid position (rounded; may lie outside the area).
    private func pixel(row: Double, col: Double) -> (x: Int, y: Int) {
        let v = state.camera.viewport, k = Double(state.camera.pixelsPerSample)
        let i = (row - v.centerRow) / v.zoom + Double(v.rows - 1) / 2, j = (col - v.centerCol) / v.zoom + Double(v.cols - 1) / 2
        return (Int(((j + 0.5) * k - 0.5).rounded()), Int(((i + 0.5) * k - 0.5).rounded()))
    }

    /// Pixels on a fixed plane's trajectory: straight segments between its snapshots.
    private func pathPixels(_ fixed: Session.FixedPlane, width: Int, height: Int) -> [Bool] {
        var on = [Bool](repeating: false, count: width * height)
        let points = fixed.trajectory.map { m -> (x: Int, y: Int) in
            let p = fixed.frame.position(m.alpha, m.beta)
            return pixel(row: p.row, col: p.col)
        }
        for (a, b) in zip(points, points.dropFirst()) {
            // Steps along the longer side, so the segment has no gaps; clipped to the area.
            let n = max(abs(b.x - a.x), abs(b.y - a.y), 1)
            guard n < 100_000 else { continue }
            for t in 0...n {
                let x = a.x + (b.x - a.x) * t / n, y = a.y + (b.y - a.y) * t / n
                if x >= 0 && x < width && y >= 0 && y < height { on[y * width + x] = true }
            }
        }
        return on
    }

    /// Each marker's name on the character holding its point, in the overlay colour.
    private func drawMarkers(_ fixed: Session.FixedPlane, into buffer: inout CellBuffer, rect: Rect) {
        for m in fixed.markers {
            let p = fixed.frame.position(m.alpha, m.beta)
            let px = pixel(row: p.row, col: p.col)
            let (x, y) = (rect.x + px.x, rect.y + px.y / 2)
            guard px.x >= 0, px.y >= 0, rect.contains(x: x, y: y) else { continue }
            let pen = theme.capabilities.colors > .mono ? Pen(fg: .rgb(ColorMap.RGB(0, 0, 0)), bg: .rgb(picture.edgeColor), .bold) : Pen([.reverse, .bold])
            buffer.write(m.name, x: x, y: y, pen: pen, limit: rect.maxX - x)
        }
    }

    /// The transect: dots from one end glyph to the other, one per character cell along the longer
    /// side (or at a curve's points), clipped to the map (the ends follow pan and zoom, being plane
    /// positions).
    private func drawTransect(into buffer: inout CellBuffer, rect: Rect) {
        let marks = state.transectMarks
        guard let start = marks.start else { return }
        func cell(_ p: (row: Double, col: Double)) -> (x: Int, y: Int) {
            let px = pixel(row: p.row, col: p.col)
            return (px.x, Int((Double(px.y) / 2).rounded(.down)))
        }
        let a = cell(start), b = marks.end.map(cell) ?? a
        let coloured = theme.capabilities.colors > .mono
        func put(_ c: (x: Int, y: Int), _ glyph: Unicode.Scalar) {
            let (x, y) = (rect.x + c.x, rect.y + c.y)
            guard c.x >= 0, c.y >= 0, rect.contains(x: x, y: y) else { return }
            // the overlay colour on the sample's own (the upper one of a half block)
            let under = buffer[x, y].pen
            let bg = theme.capabilities.drawsHalfBlocks ? under.fg : under.bg
            buffer[x, y] = Cell(glyph, coloured ? Pen(fg: .rgb(picture.edgeColor), bg: bg, .bold) : Pen(.bold))
        }
        if let path = marks.path {
            // along a curve in the plane: a dot at each of its points' cells
            for p in path.dropFirst().dropLast() { put(cell(p), theme.glyphs.transectDot) }
        } else {
            let n = max(abs(b.x - a.x), abs(b.y - a.y))
            if n > 1 && n < 100_000 {
                for k in 1..<n { put((a.x + (b.x - a.x) * k / n, a.y + (b.y - a.y) * k / n), theme.glyphs.transectDot) }
            }
        }
        put(a, theme.glyphs.transectEnd)
        put(b, theme.glyphs.transectEnd)
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
        guard let pattern = state.snapshot?.training.pattern ?? Optional(state.editor.pattern) else { return [] }
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
