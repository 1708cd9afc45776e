import Engine
import Foundation

extension Transect {
    /// Loss and accuracy at `count` evenly spaced points of a curve, t = 0, ..., 1 (its ends
    /// are A and B exactly).
    public init(along curve: Curve, count: Int, evaluator: Evaluator) {
        let ts = Curve.evenly(count)
        var values: [(loss: Double, accuracy: Double)] = []
        // In groups of 32 points, as the straight transect: a large net's points need not all sit in memory.
        for start in stride(from: 0, to: count, by: 32) {
            values += evaluator.evaluate(ts[start..<min(count, start + 32)].map { curve.weights($0) })
        }
        self.init(count: count, loss: values.map(\.loss), accuracy: values.map(\.accuracy))
    }
}
