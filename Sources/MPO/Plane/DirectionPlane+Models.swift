import Engine
import Foundation

/// The plane through three models A, B, C (as dnn-mode-connectivity's plane.py, without its
/// rescaling): origin A, d1 = B − A, d2 = the part of C − A orthogonal to d1,
///
///     α_C = <C − A, d1> / <d1, d1>,   d2 = (C − A) − α_C d1,
///
/// so A is at (0, 0), B at (1, 0) and C at (α_C, 1) exactly. plane.py divides both directions
/// by their lengths (axes in weight-space distance); we keep d1 = B − A so that the coordinates
/// say "how far from A towards B", and leave |d2| as it comes (the axes' scales differ; the PNG's
/// axis labels say so).
extension DirectionPlane {
    public struct Degenerate: Error, CustomStringConvertible {
        public let description: String
    }

    /// `statistics`: the three models' BatchNorm running statistics [S] each, combined as their
    /// weights are (e1 = sB − sA, e2 = sC − sA − α_C e1), so that each marker has its model's.
    public static func through(
        _ a: [Float], _ b: [Float], _ c: [Float], statistics: [[Float]]? = nil, net: ModelSpec, dataset: DatasetKind, sources: [String]
    ) throws -> DirectionPlane {
        precondition(a.count == b.count && a.count == c.count)
        let p = a.count
        // In double precision: the point C must come back from A + α_C d1 + d2 to float rounding.
        var d1 = [Double](repeating: 0, count: p), e = [Double](repeating: 0, count: p)
        var dd = 0.0, ed = 0.0
        for i in 0..<p {
            d1[i] = Double(b[i]) - Double(a[i])
            e[i] = Double(c[i]) - Double(a[i])
            dd += d1[i] * d1[i]
            ed += e[i] * d1[i]
        }
        guard dd > 0 else { throw Degenerate(description: "models A and B are the same point: no plane through them") }
        let alpha = ed / dd
        var d2 = [Float](repeating: 0, count: p)
        var perp = 0.0, ee = 0.0
        for i in 0..<p {
            let x = e[i] - alpha * d1[i]
            d2[i] = Float(x)
            perp += x * x
            ee += e[i] * e[i]
        }
        // C on the line through A and B (to float precision) gives no second direction.
        guard perp > 1e-10 * max(ee, dd) else {
            throw Degenerate(description: "model C lies on the line through A and B: no plane through the three")
        }
        var plane = DirectionPlane(
            kind: .models, net: net, dataset: dataset, origin: a, direction1: d1.map(Float.init), direction2: d2)
        plane.markers = [Marker(name: "A", alpha: 0, beta: 0), Marker(name: "B", alpha: 1, beta: 0), Marker(name: "C", alpha: alpha, beta: 1)]
        plane.recipe.sources = sources
        if let s = statistics {
            precondition(s.count == 3)
            let e1 = (0..<s[0].count).map { Double(s[1][$0]) - Double(s[0][$0]) }
            let e2 = (0..<s[0].count).map { Double(s[2][$0]) - Double(s[0][$0]) - alpha * e1[$0] }
            plane.statistics = Statistics(
                origin: s[0], direction1: e1.map(Float.init), direction2: e2.map(Float.init), layout: StatisticsLayout(net))
        }
        return plane
    }
}
