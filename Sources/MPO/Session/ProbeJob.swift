import Foundation

/// The probe at the cursor: loss and accuracy at one plane position on both splits, on the
/// session's `evalImages`, for the side panel (`Session.Probe`).
final class ProbeJob: CursorJob {
    /// The position asked for and not yet evaluated.
    var request: (row: Double, col: Double)?
    var probe: Session.Probe?

    func take(_ command: Session.Command) -> Bool {
        guard case .probe(let row, let col) = command else { return false }
        request = (row, col)
        return true
    }

    func isDue(_ context: CursorContext) -> Bool { request != nil }

    func run(_ c: CursorContext, within seconds: Double) {
        guard let p = request else { return }
        request = nil
        let tr = c.evaluator.evaluate(c.surface, at: [p], data: c.data(.train, c.probeImages))[0]
        let te = c.evaluator.evaluate(c.surface, at: [p], data: c.data(.test, c.probeImages))[0]
        probe = Session.Probe(
            row: p.row, col: p.col, step: c.step, trainLoss: tr.loss, trainAccuracy: tr.accuracy,
            testLoss: te.loss, testAccuracy: te.accuracy)
    }

    func planeReplaced() {
        probe = nil
    }

    func publish(into snapshot: inout Session.Snapshot) {
        snapshot.probe = probe
    }
}
