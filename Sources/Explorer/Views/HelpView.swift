/// The help overlay: every binding of the key map, by context, plus the mouse.
struct HelpView {
    let state: AppState
    let theme: Theme

    /// Lines for one context: "keys   what they do"; the four directions of a move share a line.
    static func lines(_ keyMap: KeyMap, _ context: KeyContext) -> [(keys: String, summary: String)] {
        let groups: [([Action], String)] = [
            ([.cursorLeft, .cursorDown, .cursorUp, .cursorRight], "move the cursor"),
            ([.panLeft, .panDown, .panUp, .panRight], "pan the view"),
        ]
        var out: [(String, String)] = []
        var grouped = Set<Action>()
        for action in keyMap.actions(in: context) where !grouped.contains(action) {
            if let (members, summary) = groups.first(where: { $0.0.contains(action) }),
               let keys = directionKeys(members.map { keyMap.keys(for: $0, in: context) }) {
                grouped.formUnion(members)
                out.append((keys, summary))
                continue
            }
            out.append((keyMap.keys(for: action, in: context).map(\.name).joined(separator: " "), action.summary))
        }
        return out
    }

    /// "arrows hjkl" for keys bound as left, down, up, right; nil when the four do not line up.
    static func directionKeys(_ keys: [[Key]]) -> String? {
        directionGroups(keys)?.joined(separator: " ")
    }

    /// ["arrows", "hjkl"]: the i-th key of each direction, as one name; the directions are left,
    /// down, up, right, or down, up (a list).
    static func directionGroups(_ keys: [[Key]]) -> [String]? {
        let arrows = keys.count == 2 ? ["Down", "Up"] : ["Left", "Down", "Up", "Right"]
        guard keys.count == arrows.count, let n = keys.first?.count, n > 0, keys.allSatisfy({ $0.count == n }) else { return nil }
        return (0..<n).map { i -> String in
            let names = keys.map { $0[i].name }
            if names == arrows { return "arrows" }
            if names == arrows.map({ "S-" + $0 }) { return "S-arrows" }
            if names.allSatisfy({ $0.count == 1 }) { return names.joined() }
            return names.joined(separator: "/")
        }
    }

    static func sections(_ state: AppState) -> [(title: String, lines: [(keys: String, summary: String)])] {
        var explorer = lines(state.keyMap, .explorer)
        explorer += [("wheel", "zoom at the mouse"), ("click", "move the cursor")]
        var editor = lines(state.keyMap, .editor)
        editor += [("click, drag", "paint (a stroke is one undo)")]
        return [
            (KeyContext.explorer.title, explorer),
            (KeyContext.list.title, lines(state.keyMap, .list)),
            (KeyContext.editor.title, editor),
        ]
    }

    func render(into buffer: inout CellBuffer, scroll: Int) {
        let box = Rect(x: 0, y: 1, width: state.width, height: state.height - 2)
        Box.draw(box, title: "Keys (Esc closes; j/k scroll)", theme: theme, into: &buffer)
        let inner = box.inset(1)
        var blocks: [[(String, String, Pen?)]] = []  // per section: (keys, summary, pen for a heading)
        for section in Self.sections(state) {
            var block: [(String, String, Pen?)] = [(section.title, "", theme.header)]
            block += section.lines.map { ($0.keys, $0.summary, nil) }
            block.append(("", "", nil))
            blocks.append(block)
        }
        var notes: [(String, String, Pen?)] = [("Notes", "", theme.header)]
        let text = [
            "Dark = low loss / high accuracy: the pattern's black cells should turn dark.",
            "BatchNorm: MPO planes use each evaluation set's batch statistics, fixed planes their models' running statistics if kept (the panel's BN line says which).",
            "A fixed plane (mpo plane; \(state.keyName(.openBrowser)) opens one) is w = origin + α·d1 + β·d2: nothing trains; the cursor shows (α, β), markers show their letters, a PCA plane its path.",
            "Terminal: \(state.terminalSummary.isEmpty ? "unknown" : state.terminalSummary). --ascii forces plain ASCII.",
            "Keys can be remapped in keys.conf next to Patterns/: lines like `explorer x = toggleEdges`.",
        ]
        let columnWidth = inner.width >= 100 ? (inner.width - 2) / 2 : inner.width
        for t in text { for line in Format.wrap(t, columnWidth - 2) { notes.append(("", line, nil)) } }
        blocks.append(notes)

        // two columns when wide enough: explorer and lists left, editor and notes right
        let columns: [[(String, String, Pen?)]] = columnWidth < inner.width
            ? [Array(blocks[0...1].joined()), Array(blocks.dropFirst(2).joined())] : [Array(blocks.joined())]
        for (n, column) in columns.enumerated() {
            let x0 = inner.x + 1 + n * (columnWidth + 1)
            for (i, (keys, summary, pen)) in column.dropFirst(scroll).enumerated() where i < inner.height {
                let y = inner.y + i
                if let pen {
                    buffer.write(keys, x: x0, y: y, pen: pen, limit: columnWidth)
                } else if keys.isEmpty {
                    buffer.write(summary, x: x0, y: y, pen: theme.faint, limit: columnWidth - 1)
                } else {
                    let kw = 18
                    buffer.write(Format.clip(keys, kw - 1), x: x0, y: y, pen: theme.key)
                    buffer.write(summary, x: x0 + kw, y: y, limit: columnWidth - kw - 1)
                }
            }
        }
    }
}
