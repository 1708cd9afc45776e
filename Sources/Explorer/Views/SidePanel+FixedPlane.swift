import Foundation
import MPO

/// The side panel of a fixed plane: how it was made, its markers and PCA variance, the cursor in
/// (α, β). Nothing trains, so there are no training curves or pattern gap.
extension SidePanel {
    func renderFixed(_ fixed: Session.FixedPlane, _ s: Session.Snapshot, _ w: inout Writer) {
        let t = s.training, net = t.config.net
        w.line("Fixed plane", pen: theme.header)
        w.row("kind", fixed.description)
        w.row("file", (fixed.path as NSString).lastPathComponent)
        if !fixed.sources.isEmpty { w.row("from", fixed.sources.joined(separator: ", ")) }
        w.row("data", t.dataset.isEmpty ? t.config.dataset.rawValue : t.dataset)
        w.row("net", (net.presetName.map { $0 + ": " } ?? "") + net.convSummary)
        w.row("params", t.parameterCount > 0 ? "\(Format.thousands(t.parameterCount)) per point" : "-")
        // Which statistics BatchNorm normalises with (`mpo view --bn-stats`; running where the
        // plane's models had them).
        w.row("BN", net.batchNorm ? "on, \((fixed.bnStats ?? .batch).short(images: fixed.bnImages))" : "off")
        w.row("training", "none: fixed plane", pen: theme.warning)
        w.row("map", Self.mapWork(s))

        if fixed.varianceExplained.count == 2 {
            let v = fixed.varianceExplained
            w.header("PCA variance explained")
            w.row("d1", "\(Format.fixed(100 * v[0], 1))%")
            w.row("d2", "\(Format.fixed(100 * v[1], 1))%  (both \(Format.fixed(100 * (v[0] + v[1]), 1))%)")
            w.row("path", "\(fixed.trajectory.count) snapshots")
        }
        if !fixed.eigenvalues.isEmpty {
            w.header("Hessian eigenvalues")
            for (i, value) in fixed.eigenvalues.enumerated() { w.row("λ\(i + 1) (d\(i + 1))", Format.compact(value)) }
            if let images = fixed.eigenvalueImages { w.row("on", "\(images) images") }
        }
        if !fixed.markers.isEmpty {
            w.header("Markers")
            for m in fixed.markers { w.row(m.name, "(\(Format.fixed(m.alpha, 3)), \(Format.fixed(m.beta, 3)))") }
        }

        renderTransect(s, &w)

        w.header("Cursor")
        let p = state.camera.cursorPosition
        let (alpha, beta) = fixed.frame.coordinates(row: p.row, col: p.col)
        func coordinate(_ x: Double) -> String { Format.fixed(abs(x) < 1e-9 ? 0 : x, 3) }  // no "-0.000" at the origin
        w.row("(α, β)", "(\(coordinate(alpha)), \(coordinate(beta)))")
        let half = state.camera.viewport.zoom / 2
        let near = fixed.markers.first { abs($0.alpha - alpha) <= half && abs($0.beta - beta) <= half }
        w.row("marker", near.map { "at \($0.name)" } ?? "-")
        cursorValues(s, &w)

        w.header("View")
        w.row("zoom", "\(Format.compact(state.camera.viewport.zoom)) per sample, \(state.camera.viewport.rows)x\(state.camera.viewport.cols)")
        w.row("colours", "\(state.display.colorMap.rawValue)\(state.display.scale == .linear ? "" : ", \(state.display.scale.rawValue)")")
        w.row("probe", "\(t.evalImages) images per split")
    }
}
