import Foundation
import MPO

/// The title bar: what runs, and its state.
struct TitleBar {
    let state: AppState
    let theme: Theme

    func render(into buffer: inout CellBuffer, rect: Rect) {
        buffer.fill(rect, with: Cell(" ", theme.titleBar))
        var x = buffer.write(" LossPatterns ", x: rect.x, y: rect.y, pen: theme.titleAccent, limit: rect.width)
        let right = " " + KeyHint.line(KeyHint.explorerTitle, state.keyMap, .explorer) + " "
        let limit = rect.maxX - x - right.count
        if let s = state.snapshot {
            let t = s.training
            var parts = [
                t.fixedPlane?.title ?? "\(t.pattern.name) \(t.pattern.width)x\(t.pattern.height)", "\(t.config.net.shortName) net", t.batchNorm ? "BN" : "plain",
                s.map.split.rawValue, state.display.metric.rawValue,
            ]
            parts.append(Self.statusWord(s))
            x = buffer.write(" " + parts.joined(separator: "  "), x: x, y: rect.y, pen: theme.titleBar, limit: max(0, limit))
        }
        if rect.width - right.count > x { buffer.write(right, x: rect.maxX - right.count, y: rect.y, pen: theme.titleBar) }
    }

    static func statusWord(_ s: Session.Snapshot) -> String {
        if s.training.fixedPlane != nil, s.status == .paused { return "fixed" }
        return switch s.status {
        case .loading: s.loadingText
        case .training: "training"
        case .paused: "paused"
        case .diverged: "DIVERGED (paused)"
        case .failed: "FAILED"
        }
    }
}

/// The colour scale with its values, and how old the picture is.
struct Legend {
    let state: AppState
    let picture: MapPicture
    let theme: Theme

    func render(into buffer: inout CellBuffer, rect: Rect) {
        buffer.fill(rect)
        let metric = picture.metric.rawValue + (picture.scaleMode == .linear ? "" : " (\(picture.scaleMode.rawValue))")
        var x = buffer.write(" \(metric) ", x: rect.x, y: rect.y, pen: theme.label, limit: rect.width)
        let (good, bad) = picture.endLabels
        x = buffer.write(good + " ", x: x, y: rect.y, pen: theme.value)
        let barWidth = max(8, min(30, rect.width / 5))
        for i in 0..<barWidth where x < rect.maxX {
            let t = Double(i) / Double(barWidth - 1)
            if theme.capabilities.colors > .mono {
                buffer[x, rect.y] = Cell(" ", Pen(bg: .rgb(picture.color(t))))
            } else {
                let ramp = Glyphs.ramp
                buffer[x, rect.y] = Cell(ramp[min(ramp.count - 1, Int((t * Double(ramp.count - 1)).rounded()))])
            }
            x += 1
        }
        x = buffer.write(" " + bad, x: x, y: rect.y, pen: theme.value)
        x = buffer.write("  \(picture.colorMap.rawValue)\(state.display.showEdges ? "  edges" : "")", x: x, y: rect.y, pen: theme.faint)
        let age = Self.age(state)
        if rect.maxX - age.count - 1 > x + 1 {
            buffer.write(age, x: rect.maxX - age.count - 1, y: rect.y, pen: theme.faint)
        }
    }

    /// "picture: step 1,200 (34 steps old), refreshing 45%"
    static func age(_ state: AppState) -> String {
        guard let s = state.snapshot else { return "" }
        if s.status == .loading { return s.loadingText }
        let refreshing = s.map.progress < 1 ? ", refreshing \(Int(s.map.progress * 100))%" : ""
        guard let complete = s.map.oldestStep ?? s.map.completeStep else {
            return "first map: \(Int(s.map.progress * 100))% evaluated"
        }
        if s.training.fixedPlane != nil {
            let m = s.map
            return "picture: fixed plane" + (m.refinementLevels > 0 ? ", refined \(m.refinedLevels)/\(m.refinementLevels)" : "") + refreshing
        }
        let old = s.training.step - complete
        return "picture: step \(Format.thousands(complete)) (\(old == 0 ? "current" : "\(Format.thousands(old)) step\(old == 1 ? "" : "s") old"))\(refreshing)"
    }
}

/// The last line: the newest message while it is fresh, else the main keys.
struct StatusBar {
    let state: AppState
    let theme: Theme

    func render(into buffer: inout CellBuffer, rect: Rect) {
        buffer.fill(rect)
        if let n = state.notice {
            buffer.write(" " + n.text, x: rect.x, y: rect.y, pen: n.isError ? theme.error : theme.good, limit: rect.width)
        } else if let problem = Self.problem(state.snapshot?.status, state.keyMap) {
            // a run that cannot go on says why for as long as that lasts
            buffer.write(" " + problem, x: rect.x, y: rect.y, pen: theme.error, limit: rect.width)
        } else {
            buffer.write(" " + KeyHint.line(KeyHint.explorer, state.keyMap, .explorer), x: rect.x, y: rect.y, pen: theme.faint, limit: rect.width)
        }
    }

    static func problem(_ status: Session.Status?, _ keyMap: KeyMap) -> String? {
        switch status {
        case .failed(let why): "failed: \(why)"
        case .diverged(let why):
            "\(why). " + KeyHint.line([KeyHint(.openBrowser, "opens a checkpoint"), KeyHint(.openPicker, "starts a pattern afresh")], keyMap, .explorer, separator: ", ") + "."
        default: nil
        }
    }
}
