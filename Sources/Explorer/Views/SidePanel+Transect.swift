import Foundation
import MPO

/// The panel's "Transect" section: the profile between the marked ends as sparklines (t = 0 at
/// the left), its ends, the loss barrier and the accuracy drop, on the split shown.
extension SidePanel {
    func renderTransect(_ s: Session.Snapshot, _ w: inout Writer) {
        let marks = state.transectMarks
        guard let start = marks.start else { return }
        let frame = s.training.frame
        func where_(_ p: (row: Double, col: Double)) -> String {
            let (a, b) = frame.names, (x, y) = frame.coordinates(row: p.row, col: p.col)
            return "(\(a) \(Format.fixed(x + 0, 2)), \(b) \(Format.fixed(y + 0, 2)))"  // + 0: no "-0.00"
        }
        guard let end = marks.end else {
            w.header("Transect")
            w.row("from", where_(start))
            w.row("to", "v marks the cursor", pen: theme.faint)
            return
        }
        guard let profile = state.transectProfile else {
            w.header("Transect")
            w.row("from", where_(start))
            w.row("to", where_(end))
            w.row("profile", "computing...", pen: theme.faint)
            return
        }
        let t = profile.transect
        w.header("Transect (\(profile.split.rawValue), \(t.t.count) points x \(profile.images) img)")
        w.row("from", where_(start))
        w.row("to", where_(end))
        if marks.path != nil { w.row("along", "the curve") }
        w.row("loss", "\(Format.fixed(t.loss.first!, 3))..\(Format.fixed(t.loss.last!, 3))", spark: t.loss)
        w.row("acc", "\(Format.fixed(t.accuracy.first!, 3))..\(Format.fixed(t.accuracy.last!, 3))", spark: t.accuracy)
        let barrier = t.barrier, drop = t.accuracyDrop
        w.row("barrier", "\(Format.fixed(barrier.height, 3)) at t=\(Format.fixed(barrier.t, 2))")
        w.row("acc drop", "\(Format.fixed(drop.height, 3)) at t=\(Format.fixed(drop.t, 2))")
    }
}
