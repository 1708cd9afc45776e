import Engine
import Foundation

/// The transect between two marks (`Session.TransectProfile`): the profile along the straight
/// segment in weight space, or along a path in the plane, on the map's split and images; made
/// again when the ends, split, images or plane change, and every `refresh` seconds while it trains.
final class TransectJob: CursorJob {
    var ends: Session.TransectEnds?
    var profile: Session.TransectProfile?
    /// `CursorContext.plane` of the profile, and when it was made.
    var plane: String?
    var computedAt = Date.distantPast

    /// Seconds between profiles of a training plane.
    static let refresh = 3.0

    func take(_ command: Session.Command) -> Bool {
        guard case .setTransect(let e) = command else { return false }
        ends = e
        if e == nil { profile = nil }
        return true
    }

    /// Whether the profile shown is not that of the ends, split, images and plane now.
    func isDue(_ c: CursorContext) -> Bool {
        guard let ends else { return false }
        guard let p = profile, let plane else { return true }
        if p.ends != ends || p.split != c.split || p.images != c.mapImages || plane != c.plane { return true }
        guard p.step != c.step else { return false }
        return !c.isTraining || Date().timeIntervalSince(computedAt) >= Self.refresh
    }

    func run(_ c: CursorContext, within seconds: Double) {
        guard let ends else { return }
        let data = c.data(c.split, c.mapImages)
        let t: Transect
        if let path = ends.path {
            // A path in the plane (a curve plane's curve lies in it exactly): the plane's points.
            let values = c.evaluator.evaluate(c.surface, at: path, data: data)
            t = Transect(count: path.count, loss: values.map { Double($0.loss) }, accuracy: values.map { Double($0.accuracy) })
        } else {
            let a = c.surface.weights(row: ends.start.row, col: ends.start.col)
            let b = c.surface.weights(row: ends.end.row, col: ends.end.col)
            // The segment lies in a direction plane: its running statistics move as the plane's.
            let statistics = c.surface.runningStatistics(row: ends.start.row, col: ends.start.col).map {
                ($0, c.surface.runningStatistics(row: ends.end.row, col: ends.end.col)!)
            }
            t = Transect(from: a, to: b, count: Session.transectPoints, statistics: statistics, evaluator: c.evaluator, data: data)
        }
        profile = Session.TransectProfile(ends: ends, split: c.split, step: c.step, images: c.mapImages, transect: t)
        plane = c.plane
        computedAt = Date()
    }

    /// The profile stays until the next one (the plane's identity has changed, so it is due).
    func planeReplaced() {}

    func publish(into snapshot: inout Session.Snapshot) {
        snapshot.transect = profile
    }
}
