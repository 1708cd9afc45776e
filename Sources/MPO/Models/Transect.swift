import Engine
import Foundation

/// Loss and accuracy along the segment w(t) = (1 - t) A + t B, t = 0, 1/(n-1), ..., 1.
public struct Transect: Sendable {
    public var t: [Double]
    public var loss: [Double]
    public var accuracy: [Double]

    /// The weight vectors of `count` evenly spaced points (both ends included), made on demand.
    public static func points(from a: [Float], to b: [Float], count: Int) -> [() -> [Float]] {
        precondition(a.count == b.count && count >= 2)
        return (0..<count).map { k in {
            let t = Float(Double(k) / Double(count - 1))
            // The ends exactly A and B: (1 - t) a + t b rounds otherwise.
            if k == 0 { return a }
            if k == count - 1 { return b }
            return zip(a, b).map { (1 - t) * $0 + t * $1 }
        } }
    }

    public init(from a: [Float], to b: [Float], count: Int, evaluator: WeightEvaluator) {
        // In groups of 32 points: 10,001 points of a large net need not sit in memory at once.
        let all = Self.points(from: a, to: b, count: count)
        var values: [(loss: Double, accuracy: Double)] = []
        for start in stride(from: 0, to: count, by: 32) {
            values += evaluator.evaluate(all[start..<min(count, start + 32)].map { $0() })
        }
        t = (0..<count).map { Double($0) / Double(count - 1) }
        loss = values.map(\.loss)
        accuracy = values.map(\.accuracy)
    }

    /// The highest loss along the path minus the mean of the ends' losses, and where it is.
    public var barrier: (height: Double, t: Double) {
        let k = loss.indices.max { loss[$0] < loss[$1] }!
        return (loss[k] - (loss.first! + loss.last!) / 2, t[k])
    }

    public var csv: String {
        "t,loss,accuracy\n" + t.indices.map { String(format: "%.6f,%.6f,%.6f", t[$0], loss[$0], accuracy[$0]) }.joined(separator: "\n") + "\n"
    }

    /// Two panels: loss and accuracy against t.
    public func plot(title: String) -> Plot {
        func series(_ name: String, _ v: [Double]) -> Plot.Series {
            Plot.Series(name: name, points: zip(t, v).map { Plot.Point(x: $0, y: $1) })
        }
        return Plot(
            panels: [
                Plot.Panel(title: "LOSS", xLabel: "T", yLabel: "CROSS-ENTROPY", series: [series("loss", loss)], xRange: 0...1),
                Plot.Panel(title: "ACCURACY", xLabel: "T", yLabel: "ACCURACY", series: [series("accuracy", accuracy)], xRange: 0...1),
            ], title: title.uppercased())
    }
}
