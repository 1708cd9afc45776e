import Foundation
import MPO

/// The side panel: the run, training curves, the pattern score, the probe at the cursor, the view.
struct SidePanel {
    let state: AppState
    let picture: MapPicture
    let theme: Theme

    /// Writes rows top-down until the panel is full.
    struct Writer {
        var buffer: CellBuffer
        let rect: Rect
        var y: Int
        let theme: Theme
        let labelWidth = 10

        var full: Bool { y >= rect.maxY }

        mutating func header(_ text: String) {
            if y > rect.y && y < rect.maxY - 1 { y += 1 }  // a blank line between sections
            line(text, pen: theme.header)
        }

        mutating func line(_ text: String, pen: Pen = .plain) {
            guard !full else { return }
            buffer.write(text, x: rect.x + 1, y: y, pen: pen, limit: rect.width - 1)
            y += 1
        }

        /// "label     value  sparkline"
        mutating func row(_ label: String, _ value: String, pen: Pen? = nil, spark: [Double] = []) {
            guard !full else { return }
            var x = buffer.write(Format.pad(label, labelWidth), x: rect.x + 1, y: y, pen: theme.label, limit: rect.width - 1)
            x = buffer.write(value, x: x, y: y, pen: pen ?? theme.value, limit: rect.maxX - x)
            if !spark.isEmpty, rect.maxX - x > 4 {
                buffer.write(" " + Sparkline.bars(spark, width: rect.maxX - x - 2, glyphs: theme.glyphs), x: x, y: y, pen: theme.sparkline, limit: rect.maxX - x)
            }
            y += 1
        }

        /// "label     a+b+c", continued on further rows (blank label) where the parts do not fit.
        mutating func rows(_ label: String, _ parts: [String], separator: String = "+") {
            let room = max(1, rect.width - 1 - labelWidth)
            var lines: [String] = []
            for part in parts {
                if let last = lines.last, last.count + separator.count + part.count <= room {
                    lines[lines.count - 1] = last + separator + part
                } else {
                    lines.append(lines.isEmpty ? part : separator + part)
                }
            }
            for (i, text) in lines.enumerated() { row(i == 0 ? label : "", text) }
        }
    }

    func render(into buffer: inout CellBuffer, rect: Rect) {
        guard rect.width > 10 else { return }
        buffer.fill(rect)
        for y in rect.y..<rect.maxY { buffer[rect.x - 1, y] = Cell(theme.glyphs.vertical, theme.frame) }
        var w = Writer(buffer: buffer, rect: rect, y: rect.y, theme: theme)
        defer { buffer = w.buffer }
        guard let s = state.snapshot else {
            w.line("no plane yet", pen: theme.faint)
            return
        }
        let t = s.training
        if let fixed = t.fixedPlane { return renderFixed(fixed, s, &w) }
        let net = t.config.net
        w.line("Run", pen: theme.header)
        w.row("data", t.dataset.isEmpty ? t.config.dataset.rawValue : t.dataset)
        w.row("net", (net.presetName.map { $0 + ": " } ?? "") + net.convSummary)
        w.row("", net.denseSummary + (net.maxPool ? ", max-pool" : ""))
        w.row("params", t.parameterCount > 0 ? "\(Format.thousands(t.parameterCount)) per point" : "-")
        w.row("BN", t.batchNorm ? "on (batch statistics of each eval set)" : "off")
        w.row("preset", "\(t.config.preset), batch \(t.config.batchSize), \(Self.cells(t.config, pattern: t.pattern)) cells")
        w.row("step", "\(Format.thousands(t.step))  \(TitleBar.statusWord(s))", pen: statusPen(s))
        w.row("speed", "\(Format.fixed(t.stepsPerSecond, 1)) steps/s, \(t.precision)")
        w.row("", "\(Format.thousands(Int(t.cellImagesPerSecond.rounded()))) cell-images/s")
        if let choice = t.precisionChoice { w.row("auto", choice) }
        w.rows("method", Self.method(t.config, pattern: t.pattern))
        w.row("sized", Self.sizing(s))
        w.row("map", Self.mapWork(s))

        w.header("Training batch (sampled cells)")
        let h = t.history
        if let last = h.last {
            w.row("good loss", Format.fixed(last.goodLoss, 3), spark: h.map(\.goodLoss))
            w.row("bad loss", Format.fixed(last.badLoss, 3), spark: h.map(\.badLoss))
            w.row("good acc", Format.fixed(last.goodAccuracy, 3), spark: h.map(\.goodAccuracy))
            w.row("bad acc", Format.fixed(last.badAccuracy, 3), spark: h.map(\.badAccuracy))
        } else {
            w.line("no steps yet", pen: theme.faint)
        }

        w.header("Pattern gap (test, edge cells)")
        if let score = t.latestScore, let step = t.scores.last?.step {
            w.row("gap", "\(Format.fixed(score.gap, 3)) @\(Format.thousands(step))", spark: t.scores.map(\.score.gap))
            w.row("acc", "black \(Format.fixed(score.goodAccuracy, 2))  white \(Format.fixed(score.badAccuracy, 2))")
        } else {
            w.line("not measured yet", pen: theme.faint)
        }

        renderTransect(s, &w)

        w.header("Cursor")
        let p = state.camera.cursorPosition
        w.row("at", "row \(Format.fixed(p.row, 2))  col \(Format.fixed(p.col, 2))")
        w.row("cell", Self.role(t.pattern, p))
        cursorValues(s, &w)

        w.header("View")
        w.row("zoom", "\(Format.compact(state.camera.viewport.zoom)) cells/sample, \(state.camera.viewport.rows)x\(state.camera.viewport.cols)")
        w.row("colours", "\(state.display.colorMap.rawValue)\(state.display.scale == .linear ? "" : ", \(state.display.scale.rawValue)")\(state.display.showEdges ? ", edges" : "")")
        w.row("probe", "\(t.evalImages) images per split")
        let saved = t.lastSavedPath.map { ($0 as NSString).lastPathComponent } ?? "never"
        w.row("saved", saved)
        if t.unsavedSteps > 0 { w.row("", "\(Format.thousands(t.unsavedSteps)) steps unsaved", pen: theme.warning) }
    }

    /// The map's value and the probe (both splits) at the cursor.
    func cursorValues(_ s: Session.Snapshot, _ w: inout Writer) {
        let here = picture.value(row: state.camera.cursorRow, col: state.camera.cursorCol)
        w.row("map", here.isFinite ? "\(s.map.split.rawValue) \(picture.metric.rawValue) \(Format.fixed(here, 3))" : "-")
        if let probe = state.cursorProbe {
            w.row("train", "loss \(Format.fixed(probe.trainLoss, 3))  acc \(Format.fixed(probe.trainAccuracy, 3))")
            w.row("test", "loss \(Format.fixed(probe.testLoss, 3))  acc \(Format.fixed(probe.testAccuracy, 3))")
        } else {
            w.row("train", "...", pen: theme.faint)
            w.row("test", "...", pen: theme.faint)
        }
        curvature(&w)
    }

    /// The Hessian's top eigenvalue at the cursor: asked for with a key, computed off the UI
    /// thread; its estimate shows while Lanczos runs.
    func curvature(_ w: inout Writer) {
        guard let c = state.cursorCurvature else {
            let key = KeyHint(.curvatureAtCursor, "for the sharpness").text(state.keyMap, .explorer)
            w.row("curvature", key ?? "-", pen: theme.faint)
            return
        }
        let value = c.estimate.map { Format.fixed($0, $0.magnitude >= 100 ? 1 : 3) } ?? "..."
        if let failure = c.failure {
            w.row("curvature", failure, pen: theme.warning)
        } else if c.done {
            w.row("curvature", "\(value)  (\(c.split.rawValue), \(c.images) img)")
        } else {
            w.row("curvature", "\(value)  \(c.products)/\(c.maxProducts) Hv", pen: theme.faint)
        }
    }

    /// What the run does differently from the paper (README, "What the live preset does
    /// differently"): a warm origin (`WarmStart`), the per-image clamp (`Clamp.image`), for a
    /// pattern that is edges nearly everywhere a wider plane (`TrainingConfig.fineScale`), and for
    /// one whose colours train very uneven counts of cells more cells per step
    /// (`TrainingConfig.unevenRatio`) and a higher clip (`unevenClip`).
    static func method(_ config: TrainingConfig, pattern: Pattern) -> [String] {
        let wide = config.initialSpan == nil && config.initialScale(for: pattern) > config.initialScale
        let changes = (config.warmStart.isOn ? ["warm origin"] : []) + (config.clamp == .image ? ["image clamp"] : [])
            + (wide ? ["wide plane"] : []) + (config.isUneven(pattern) ? ["more cells"] : [])
            + (config.clip(for: pattern) != config.clip ? ["clip \(Format.fixed(config.clip(for: pattern), 1))"] : [])
        return changes.isEmpty ? ["as the paper"] : changes
    }

    /// The good and bad cells a step draws: "32+32", or "36+64" for grid under the live preset
    /// (all 36 black cells, twice the white ones: `TrainingConfig.cellsDrawn`).
    static func cells(_ config: TrainingConfig, pattern: Pattern) -> String {
        let (good, bad) = config.cellsDrawn(for: pattern)
        return "\(good)+\(bad)"
    }

    /// What the session sized the live work to: "batch 32 of 64, map 24%" (of the compute time).
    static func sizing(_ s: Session.Snapshot) -> String {
        let t = s.training
        guard let plan = t.plan else { return s.status == .training ? "measuring the machine..." : "batch \(t.config.batchSize)" }
        let preset = TrainingConfig.preset(named: t.config.preset)?.batchSize
        let of = t.sizesBatch && preset.map { $0 != t.config.batchSize } == true ? " of \(preset!)" : ""
        return "batch \(t.config.batchSize)\(of), map \(Int((plan.mapShare * 100).rounded()))%"
    }

    /// The map being made: "20x17 x 50 img, every 1.4 s" (paused: "refining 2/4").
    static func mapWork(_ s: Session.Snapshot) -> String {
        let m = s.map
        guard m.images > 0 else { return "-" }
        let grid = "\(m.heatmap.viewport.cols)x\(m.heatmap.viewport.rows) x \(m.images) img"
        if m.refinementLevels > 0 { return grid + ", refined \(m.refinedLevels)/\(m.refinementLevels)" }
        return grid + (m.period.map { ", every \(Format.fixed($0, 1)) s" } ?? "")
    }

    private func statusPen(_ s: Session.Snapshot) -> Pen {
        switch s.status {
        case .training: theme.good
        case .paused, .loading: theme.warning
        case .diverged, .failed: theme.error
        }
    }

    /// What training does with the pattern cell nearest to a plane position.
    static func role(_ pattern: Pattern, _ p: (row: Double, col: Double)) -> String {
        let (r, c) = (Int(p.row.rounded()), Int(p.col.rounded()))
        guard pattern.contains(row: r, col: c) else { return "outside the pattern" }
        let colour = pattern[r, c] ? "black" : "white"
        switch pattern.role(row: r, col: c) {
        case .good: return "(\(r),\(c)) \(colour): good (low)"
        case .bad: return "(\(r),\(c)) \(colour): bad (high)"
        case .ignored: return "(\(r),\(c)) \(colour): ignored"
        }
    }
}
