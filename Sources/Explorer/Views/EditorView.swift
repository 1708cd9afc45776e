import MPO

/// Where the editor draws: the picture (two characters per cell when it fits, so cells look
/// square), the trained-cells preview beside it, key hints below.
public struct EditorGeometry: Sendable {
    public let grid: Rect
    public let cellWidth: Int
    public let scrollRow: Int, scrollCol: Int
    public let side: Rect

    public init(state: AppState) {
        self.init(pattern: state.editor.pattern, scrollRow: state.editor.scrollRow, scrollCol: state.editor.scrollCol,
                  width: state.width, height: state.height)
    }

    public init(pattern: Pattern, scrollRow: Int, scrollCol: Int, width: Int, height: Int) {
        let sideWidth = min(max(30, pattern.width + 4), max(30, width / 3))
        let available = max(3, width - sideWidth - 4)
        cellWidth = pattern.width * 2 <= available ? 2 : 1
        let cols = min(pattern.width, available / cellWidth)
        let rows = min(pattern.height, max(1, height - 6))
        grid = Rect(x: 2, y: 2, width: cols * cellWidth, height: rows)
        self.scrollRow = scrollRow
        self.scrollCol = scrollCol
        side = Rect(x: grid.maxX + 3, y: 2, width: width - grid.maxX - 4, height: height - 6)
    }

    public var visibleRows: Int { grid.height }
    public var visibleCols: Int { grid.width / cellWidth }

    /// The pattern cell under a screen position.
    public func cell(atX x: Int, y: Int) -> (row: Int, col: Int)? {
        guard grid.contains(x: x, y: y) else { return nil }
        return (scrollRow + y - grid.y, scrollCol + (x - grid.x) / cellWidth)
    }

    /// Scroll offsets that keep a cell on screen, moving as little as possible.
    public func scroll(toShow row: Int, _ col: Int, pattern: Pattern) -> (row: Int, col: Int) {
        var r = scrollRow, c = scrollCol
        if row < r { r = row }
        if row >= r + visibleRows { r = row - visibleRows + 1 }
        if col < c { c = col }
        if col >= c + visibleCols { c = col - visibleCols + 1 }
        return (max(0, min(r, pattern.height - visibleRows)), max(0, min(c, pattern.width - visibleCols)))
    }
}

/// The pattern editor screen.
struct EditorView {
    let state: AppState
    let theme: Theme

    static let ink = ColorMap.RGB(0, 0, 0)
    static let paper = ColorMap.RGB(235, 235, 235)
    static let ignoredGray = ColorMap.RGB(150, 150, 150)

    func render(into buffer: inout CellBuffer) {
        buffer.fill(buffer.bounds)
        let e = state.editor
        let p = e.pattern
        let g = EditorGeometry(state: state)
        let title = Rect(x: 0, y: 0, width: state.width, height: 1)
        buffer.fill(title, with: Cell(" ", theme.titleBar))
        var x = buffer.write(" Pattern editor ", x: 0, y: 0, pen: theme.titleAccent)
        x = buffer.write(" \(p.name)  \(p.width)x\(p.height)\(e.isModified ? "  (modified)" : "")", x: x, y: 0, pen: theme.titleBar)
        let right = " " + KeyHint.line(KeyHint.editorTitle, state.keyMap, .editor) + " "
        if state.width - right.count > x { buffer.write(right, x: state.width - right.count, y: 0, pen: theme.titleBar) }

        drawGrid(e, g, &buffer)
        drawSide(e, g, &buffer)

        let hints = KeyHint.editor.map { KeyHint.line($0, state.keyMap, .editor) }
        for (i, line) in hints.enumerated() {
            buffer.write(" " + line, x: 0, y: state.height - 3 + i, pen: theme.faint, limit: state.width)
        }
        if let n = state.notice {
            buffer.write(" " + n.text, x: 0, y: state.height - 1, pen: n.isError ? theme.error : theme.good, limit: state.width)
        }
    }

    private func drawGrid(_ e: EditorModel, _ g: EditorGeometry, _ buffer: inout CellBuffer) {
        let p = e.pattern
        let colored = theme.capabilities.colors > .mono
        for vr in 0..<g.visibleRows {
            for vc in 0..<g.visibleCols {
                let (r, c) = (g.scrollRow + vr, g.scrollCol + vc)
                guard p.contains(row: r, col: c) else { continue }
                let black = p[r, c]
                let isCursor = r == e.cursorRow && c == e.cursorCol
                let x = g.grid.x + vc * g.cellWidth, y = g.grid.y + vr
                var chars: [Unicode.Scalar]
                var pen: Pen
                if colored {
                    chars = isCursor ? (g.cellWidth == 2 ? ["[", "]"] : ["X"]) : Array(repeating: " ", count: g.cellWidth)
                    pen = Pen(fg: .rgb(black ? Self.paper : Self.ink), bg: .rgb(black ? Self.ink : Self.paper), isCursor ? .bold : [])
                    if isCursor { pen.fg = .rgb(ColorMap.RGB(230, 30, 30)) }
                } else {
                    chars = isCursor ? (g.cellWidth == 2 ? ["[", "]"] : ["X"]) : (black ? ["#", "#"] : [".", " "])
                    pen = isCursor ? Pen([.reverse, .bold]) : .plain
                }
                for k in 0..<g.cellWidth { buffer[x + k, y] = Cell(chars[min(k, chars.count - 1)], pen) }
            }
        }
        // scroll marks when the picture is larger than the screen
        if g.scrollRow > 0 || g.scrollCol > 0 || p.height > g.visibleRows || p.width > g.visibleCols {
            buffer.write("rows \(g.scrollRow)-\(g.scrollRow + g.visibleRows - 1), cols \(g.scrollCol)-\(g.scrollCol + g.visibleCols - 1)",
                         x: g.grid.x, y: g.grid.y - 1, pen: theme.faint)
        }
    }

    /// Which cells training will use (Pattern.roles): only edges; interiors are ignored.
    private func drawSide(_ e: EditorModel, _ g: EditorGeometry, _ buffer: inout CellBuffer) {
        let p = e.pattern
        let side = g.side
        guard side.width > 8 else { return }
        var y = side.y
        buffer.write("Trained cells (preview)", x: side.x, y: y, pen: theme.header, limit: side.width)
        y += 1
        let roles = p.roles
        let halfBlocks = theme.capabilities.drawsHalfBlocks
        let rowsPerChar = halfBlocks ? 2 : 1
        let maxRows = max(2, min(side.height / 2, (p.height + rowsPerChar - 1) / rowsPerChar))
        let cols = min(side.width, p.width)
        func color(_ role: Pattern.Role) -> ColorMap.RGB {
            switch role {
            case .good: Self.ink
            case .bad: Self.paper
            case .ignored: Self.ignoredGray
            }
        }
        let colored = theme.capabilities.colors > .mono
        for cy in 0..<maxRows {
            for c in 0..<cols {
                let r0 = g.scrollRow + cy * rowsPerChar
                guard p.contains(row: r0, col: c) else { continue }
                let up = roles[r0 * p.width + c]
                if halfBlocks {
                    let down = p.contains(row: r0 + 1, col: c) ? roles[(r0 + 1) * p.width + c] : nil
                    let bg: Color = down.map { .rgb(color($0)) } ?? .default
                    buffer[side.x + c, y + cy] = Cell(theme.glyphs.upperHalf, Pen(fg: .rgb(color(up)), bg: bg))
                } else if colored {
                    buffer[side.x + c, y + cy] = Cell(" ", Pen(bg: .rgb(color(up))))
                } else {
                    buffer[side.x + c, y + cy] = Cell(up == .good ? "#" : up == .bad ? "o" : ".")
                }
            }
        }
        y += maxRows + 1
        let counts = (good: roles.filter { $0 == .good }.count, bad: roles.filter { $0 == .bad }.count)
        let ignored = roles.count - counts.good - counts.bad
        func key(_ role: Pattern.Role, _ text: String) {
            guard y < side.maxY else { return }
            if colored {
                buffer[side.x, y] = Cell(" ", Pen(bg: .rgb(color(role))))
                buffer[side.x + 1, y] = Cell(" ", Pen(bg: .rgb(color(role))))
            } else {
                buffer.write(role == .good ? "##" : role == .bad ? "oo" : "..", x: side.x, y: y)
            }
            buffer.write(" " + text, x: side.x + 2, y: y, limit: side.width - 2)
            y += 1
        }
        key(.good, "good: \(counts.good) black edge cells, trained low")
        key(.bad, "bad: \(counts.bad) white edge cells, trained high")
        key(.ignored, "ignored: \(ignored) interior cells")
        y += 1
        let lines = [
            "size \(p.width)x\(p.height), \(p.blackCount) black",
            "cursor row \(e.cursorRow), col \(e.cursorCol)",
            "undo \(e.undoStack.count), redo \(e.redoStack.count)",
            e.isModified ? "changed since loaded or written" : "unchanged since loaded or written",
        ]
        for line in lines where y < side.maxY {
            buffer.write(line, x: side.x, y: y, pen: theme.faint, limit: side.width)
            y += 1
        }
    }
}
