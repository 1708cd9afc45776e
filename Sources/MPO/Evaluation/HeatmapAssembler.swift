import Engine

/// Fills a heatmap's samples from a plane a chunk at a time, in a chosen order, so its caller
/// can do other work between chunks (the explorer's session trains, and swaps in the newest
/// plane) or show progress (`mpo render`). Every map, score and picture is made by one.
public struct HeatmapAssembler: Sendable {
    public let viewport: Viewport
    /// Sample indices (row * cols + col) in the order they are evaluated.
    public let order: [Int]
    /// The plane evaluated; the caller may replace it between chunks.
    public var surface: any PlaneSurface
    /// Samples of `order` done.
    public private(set) var next = 0

    /// `order`: default row by row.
    public init(viewport: Viewport, surface: any PlaneSurface, order: [Int]? = nil) {
        self.viewport = viewport
        self.surface = surface
        self.order = order ?? Array(0..<viewport.count)
    }

    public var done: Bool { next >= order.count }
    public var remaining: Int { order.count - next }
    /// Fraction of the samples done.
    public var progress: Double { Double(next) / Double(max(1, order.count)) }

    /// Evaluates the next `count` samples (fewer at the end) on `data` (default: the evaluator's
    /// subset) into `map`, a heatmap over this viewport; returns the sample indices filled.
    @discardableResult
    public mutating func fill(_ map: inout Heatmap, count: Int, evaluator: Evaluator, data: Dataset? = nil) -> ArraySlice<Int> {
        precondition(map.viewport == viewport)
        let samples = order[next..<(next + min(max(0, count), remaining))]
        let values = evaluator.evaluate(surface, at: samples.map { viewport.position(row: $0 / viewport.cols, col: $0 % viewport.cols) }, data: data)
        for (i, v) in zip(samples, values) {
            map.loss[i] = v.loss
            map.accuracy[i] = v.accuracy
        }
        next = samples.endIndex
        return samples
    }

    /// Samples of a viewport, coarse to fine: every 4th, then every 2nd, then the rest — an early
    /// blurred picture that sharpens.
    public static func coarseToFine(rows: Int, cols: Int) -> [Int] {
        var order: [Int] = [], seen = [Bool](repeating: false, count: rows * cols)
        for stride in [4, 2, 1] {
            for i in Swift.stride(from: 0, to: rows, by: stride) {
                for j in Swift.stride(from: 0, to: cols, by: stride) where !seen[i * cols + j] {
                    seen[i * cols + j] = true
                    order.append(i * cols + j)
                }
            }
        }
        return order
    }
}
