import Engine
import Foundation

/// Loss and accuracy along the segment w(t) = (1 - t) A + t B, t = 0, 1/(n-1), ..., 1.
public struct Transect: Sendable {
    public var t: [Double]
    public var loss: [Double]
    public var accuracy: [Double]

    /// The segment as a plane the session's `Evaluator` can evaluate: grid position (0, k) is its
    /// k-th point, t = k / (count - 1).
    public struct Segment: PlaneSurface {
        public let a: [Float]  // [P]
        public let b: [Float]  // [P]
        public let count: Int
        /// The ends' BatchNorm running statistics [S] each, moved along the segment as the
        /// weights are (a convex combination: variances stay positive); nil when they have none.
        public let statistics: (a: [Float], b: [Float])?

        public init(from a: [Float], to b: [Float], count: Int, statistics: (a: [Float], b: [Float])? = nil) {
            precondition(a.count == b.count && count >= 2 && statistics.map { $0.a.count == $0.b.count } ?? true)
            (self.a, self.b, self.count, self.statistics) = (a, b, count, statistics)
        }

        public var parameterCount: Int { a.count }

        /// The k-th point (col = k; row is unused) into w [P].
        public func point(row: Double, col: Double, into w: UnsafeMutablePointer<Float>) {
            Self.mix(a, b, k: Int(col.rounded()), count: count, into: w)
        }

        public var statisticsCount: Int { statistics?.a.count ?? 0 }

        public func statistics(row: Double, col: Double, into s: UnsafeMutablePointer<Float>) {
            guard let statistics else { return }
            Self.mix(statistics.a, statistics.b, k: Int(col.rounded()), count: count, into: s)
        }

        /// (1 - t) a + t b at t = k / (count - 1) into out [a.count].
        static func mix(_ a: [Float], _ b: [Float], k: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
            // The ends exactly A and B: (1 - t) a + t b rounds otherwise.
            if k <= 0 { return a.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: $0.count) } }
            if k >= count - 1 { return b.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: $0.count) } }
            let t = Float(Double(k) / Double(count - 1))
            for i in 0..<a.count { out[i] = (1 - t) * a[i] + t * b[i] }
        }

        /// Grid positions of all its points, in order.
        public var positions: [(row: Double, col: Double)] { (0..<count).map { (0, Double($0)) } }
    }

    /// With a session's `Evaluator` (the one its map uses), all points on `data` in one batch each.
    public init(
        from a: [Float], to b: [Float], count: Int, statistics: (a: [Float], b: [Float])? = nil, evaluator: Evaluator, data: Dataset
    ) {
        let segment = Segment(from: a, to: b, count: count, statistics: statistics)
        let values = evaluator.evaluate(segment, at: segment.positions, data: data)
        self.init(count: count, loss: values.map { Double($0.loss) }, accuracy: values.map { Double($0.accuracy) })
    }

    init(count: Int, loss: [Double], accuracy: [Double]) {
        t = (0..<count).map { Double($0) / Double(count - 1) }
        self.loss = loss
        self.accuracy = accuracy
    }

    /// On the evaluator's subset, from the weight vectors themselves (`mpo transect`): each point's
    /// loss summed over the evaluator's chunks in Double. `statistics`: the ends' BatchNorm running
    /// statistics, moved with the weights (needed when the evaluator uses `.running`).
    public init(from a: [Float], to b: [Float], count: Int, statistics: (a: [Float], b: [Float])? = nil, evaluator: Evaluator) {
        // In groups of 32 points: 10,001 points of a large net need not sit in memory at once.
        let segment = Segment(from: a, to: b, count: count, statistics: statistics)
        var values: [(loss: Double, accuracy: Double)] = []
        for start in stride(from: 0, to: count, by: 32) {
            let ks = start..<min(count, start + 32)
            values += evaluator.evaluate(
                ks.map { segment.weights(row: 0, col: Double($0)) },
                statistics: statistics == nil ? nil : ks.map { segment.runningStatistics(row: 0, col: Double($0))! })
        }
        self.init(count: count, loss: values.map(\.loss), accuracy: values.map(\.accuracy))
    }

    /// The highest loss along the path minus the mean of the ends' losses, and where it is.
    public var barrier: (height: Double, t: Double) {
        let k = loss.indices.max { loss[$0] < loss[$1] }!
        return (loss[k] - (loss.first! + loss.last!) / 2, t[k])
    }

    /// The mean of the ends' accuracies minus the lowest accuracy along the path, and where it is.
    public var accuracyDrop: (height: Double, t: Double) {
        let k = accuracy.indices.min { accuracy[$0] < accuracy[$1] }!
        return ((accuracy.first! + accuracy.last!) / 2 - accuracy[k], t[k])
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
