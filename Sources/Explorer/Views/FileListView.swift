import Foundation
import MPO

/// Where the browser and the picker draw: a framed box over the body, the list on the left,
/// details of the selected file on the right.
public struct ListGeometry: Sendable {
    public let box: Rect
    /// The list's rows (one file each).
    public let rows: Rect
    public let details: Rect

    public init(width: Int, height: Int) {
        box = Rect(x: 0, y: 1, width: width, height: height - 2)
        let listWidth = min(56, max(20, (box.width - 3) * 11 / 20))
        rows = Rect(x: box.x + 2, y: box.y + 3, width: listWidth, height: box.height - 6)
        details = Rect(x: rows.maxX + 3, y: box.y + 2, width: box.maxX - rows.maxX - 5, height: box.height - 4)
    }
}

/// The checkpoint browser (`o`) and the pattern picker (`p`).
struct FileListView {
    let state: AppState
    let theme: Theme

    func render(into buffer: inout CellBuffer) {
        let g = ListGeometry(width: state.width, height: state.height)
        switch state.overlay {
        case .browser(var list):
            list.scrollToSelection(rows: g.rows.height)
            Box.draw(g.box, title: "Open a checkpoint from \(state.displayPath(state.folders.checkpoints))/", theme: theme, into: &buffer)
            header("name" , "step", "saved", g, &buffer)
            drawRows(list.items.map { e in
                (e.name, e.summary.map { Format.thousands($0.step) } ?? (e.fixed != nil ? "fixed" : "?"), Format.date.string(from: e.modified))
            }, list.selection, list.scroll, g, &buffer, empty: "No checkpoints yet: press \(state.keyName(.save)) in the explorer to save one.")
            if let e = list.selected { checkpointDetails(e, g.details, &buffer) }
            footer(KeyHint.browser, g, &buffer)
        case .picker(var list, let forEditor):
            list.scrollToSelection(rows: g.rows.height)
            Box.draw(g.box, title: forEditor ? "Load a pattern into the editor" : "Train on a pattern from \(state.displayPath(state.folders.patterns))/", theme: theme, into: &buffer)
            header("name", "size", "", g, &buffer)
            drawRows(list.items.map { e in
                (e.name, e.pattern.map { "\($0.width)x\($0.height)" } ?? "?", "")
            }, list.selection, list.scroll, g, &buffer, empty: "No patterns in Patterns/: press \(state.keyName(.openEditor, in: .list)) to draw one.")
            if let e = list.selected { patternDetails(e, g.details, &buffer) }
            footer(forEditor ? KeyHint.editorPicker : KeyHint.picker, g, &buffer)
        default:
            break
        }
    }

    private func header(_ a: String, _ b: String, _ c: String, _ g: ListGeometry, _ buffer: inout CellBuffer) {
        buffer.write(columns(a, b, c, g.rows.width), x: g.rows.x, y: g.rows.y - 1, pen: theme.header)
    }

    private func columns(_ a: String, _ b: String, _ c: String, _ width: Int) -> String {
        let cw = c.isEmpty ? 0 : 17, bw = 8
        let aw = max(4, width - bw - cw - 2)
        return Format.pad(Format.clip(a, aw, ellipsis: theme.glyphs.ellipsis), aw) + " " + Format.padLeft(b, bw) + (c.isEmpty ? "" : "  " + c)
    }

    private func drawRows(_ rows: [(String, String, String)], _ selection: Int, _ scroll: Int, _ g: ListGeometry, _ buffer: inout CellBuffer, empty: String) {
        if rows.isEmpty {
            for (i, line) in Format.wrap(empty, g.rows.width).enumerated() where i < g.rows.height {
                buffer.write(line, x: g.rows.x, y: g.rows.y + i, pen: theme.faint)
            }
            return
        }
        for i in 0..<g.rows.height where scroll + i < rows.count {
            let (a, b, c) = rows[scroll + i]
            let pen: Pen = scroll + i == selection ? theme.selection : .plain
            buffer.write(Format.pad(columns(a, b, c, g.rows.width), g.rows.width), x: g.rows.x, y: g.rows.y + i, pen: pen, limit: g.rows.width)
        }
        if rows.count > g.rows.height {
            buffer.write("\(selection + 1)/\(rows.count)", x: g.rows.x, y: g.rows.maxY, pen: theme.faint)
        }
    }

    private func footer(_ hints: [KeyHint], _ g: ListGeometry, _ buffer: inout CellBuffer) {
        buffer.write(KeyHint.line(hints, state.keyMap, .list, separator: "   "), x: g.box.x + 2, y: g.box.maxY - 2, pen: theme.key, limit: g.box.width - 4)
    }

    /// Field lines below a thumbnail.
    private func details(_ pattern: Pattern?, _ fields: [(String, String)], _ rect: Rect, _ buffer: inout CellBuffer) {
        var y = rect.y
        if let pattern {
            let maxHeight = max(3, min(12, rect.height - fields.count - 1))
            let size = Thumbnail.size(of: pattern, width: rect.width, height: maxHeight, theme: theme)
            Thumbnail.draw(pattern, at: rect.x, y, width: rect.width, height: maxHeight, theme: theme, into: &buffer)
            y += size.height + 1
        }
        for (label, value) in fields {
            for (i, line) in Format.wrap(value, rect.width - 10).enumerated() where y < rect.maxY {
                if i == 0 { buffer.write(label, x: rect.x, y: y, pen: theme.label) }
                buffer.write(line, x: rect.x + 10, y: y, pen: theme.value, limit: rect.width - 10)
                y += 1
            }
        }
    }

    private func checkpointDetails(_ e: CheckpointEntry, _ rect: Rect, _ buffer: inout CellBuffer) {
        if let f = e.fixed {
            details(nil, [
                ("plane", "\(f.kind.rawValue): \(f.description)"), ("from", f.sources.joined(separator: ", ")),
                ("net", f.net), ("dataset", f.dataset),
                ("created", Format.date.string(from: f.created)), ("note", "fixed directions: nothing trains"),
            ], rect, &buffer)
            return
        }
        guard let s = e.summary else {
            details(nil, [("file", e.name), ("problem", e.problem ?? "unreadable")], rect, &buffer)
            return
        }
        let current = state.snapshot?.training.config.net
        var fields: [(String, String)] = [
            ("pattern", "\(s.pattern.name) \(s.pattern.width)x\(s.pattern.height)"),
            ("net", s.net.namedSummary),
            ("BN", s.net.batchNorm ? "on" : "off"),
            ("preset", s.preset),
            ("dataset", s.dataset),
            ("step", Format.thousands(s.step)),
            ("created", Format.date.string(from: s.created)),
        ]
        if let current, current.with(batchNorm: false) != s.net.with(batchNorm: false) {
            fields.append(("note", "another architecture: opening switches the session's net"))
        }
        details(s.pattern, fields, rect, &buffer)
    }

    private func patternDetails(_ e: PatternEntry, _ rect: Rect, _ buffer: inout CellBuffer) {
        guard let p = e.pattern else {
            details(nil, [("file", e.name), ("problem", e.problem ?? "unreadable")], rect, &buffer)
            return
        }
        let (good, bad) = p.trainedCells
        details(p, [
            ("size", "\(p.width)x\(p.height)"),
            ("black", "\(p.blackCount) of \(p.width * p.height) cells"),
            ("trained", "\(good.count) good + \(bad.count) bad edge cells; \(p.width * p.height - good.count - bad.count) ignored"),
        ], rect, &buffer)
    }
}
