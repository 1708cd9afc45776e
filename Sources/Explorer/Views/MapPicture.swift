import Foundation
import MPO

/// The values the heatmap shows, one per sample of the camera's grid, and how they map to
/// colours. Built once per frame from the snapshot: the current map where it has values (with
/// the progressive refresh's coarse samples filling the gaps), else the last complete map.
public struct MapPicture: Sendable {
    public let rows: Int, cols: Int
    /// [rows * cols]; NaN where nothing is known yet.
    public let values: [Float]
    public let metric: Heatmap.Metric
    public let scaleMode: DisplayOptions.Scale
    /// The values that set the scale, sorted (for the ranked scale).
    let sorted: [Float]
    public let colorMap: ColorMap
    /// Value range of the colour scale (loss: what is on screen; accuracy: 0...1).
    public let low: Double, high: Double
    /// 64 steps of the colour map: smooth to the eye, and few enough colour pairs for curses.
    static let levels = 64
    let palette: [ColorMap.RGB]

    public init(state: AppState) {
        let camera = state.camera
        let v = camera.viewport
        rows = v.rows
        cols = v.cols
        metric = state.display.metric
        scaleMode = state.display.scale == .log && metric == .accuracy ? .linear : state.display.scale
        colorMap = state.display.colorMap
        var values = [Float](repeating: .nan, count: rows * cols)
        if let s = state.snapshot {
            let current = s.heatmap.values(metric)
            let backdrop = state.backdrop.flatMap { b in
                b.batchNorm == s.batchNorm && b.map.split == s.split && b.pattern == s.pattern ? b : nil
            }
            let backValues = backdrop?.map.values(metric)
            let same = s.heatmap.viewport == v
            let refresh = Refresh(s.heatmap.viewport, progress: s.refreshProgress)
            for i in 0..<rows {
                for j in 0..<cols {
                    let p = v.position(row: i, col: j)
                    var x = Float.nan
                    if same {
                        x = refresh.value(current, i, j)
                    } else if let (a, b) = s.heatmap.viewport.sample(nearest: p.row, p.col) {
                        x = refresh.value(current, a, b)
                    }
                    if x.isNaN, let back = backdrop, let values = backValues, let (a, b) = back.map.viewport.sample(nearest: p.row, p.col) {
                        x = values[a * back.map.viewport.cols + b]
                    }
                    values[i * cols + j] = x
                }
            }
        }
        self.values = values
        let inRange = Self.rangeSamples(values, v, state.snapshot?.pattern).filter(\.isFinite)
        sorted = scaleMode == .ranked ? inRange.sorted() : []
        if metric == .accuracy && scaleMode != .ranked {
            (low, high) = (0, 1)
        } else {
            var lo = Double(inRange.min() ?? 0), hi = Double(inRange.max() ?? 1)
            if scaleMode == .log { lo = max(lo, 1e-4); hi = max(hi, lo * 1.0001) }
            if hi - lo < 1e-6 { hi = lo + 1e-6 }
            (low, high) = (lo, hi)
        }
        palette = (0..<Self.levels).map { state.display.colorMap.color(Double($0) / Double(Self.levels - 1)) }
    }

    /// The samples that set the loss scale: those over the pattern when it fills a fair part of
    /// the view — the plane far outside it reaches losses many times higher, and scaling to
    /// those would wash the picture out (they show saturated instead).
    static func rangeSamples(_ values: [Float], _ v: Viewport, _ pattern: Pattern?) -> [Float] {
        guard let pattern else { return values }
        var inside: [Float] = []
        for i in 0..<v.rows {
            for j in 0..<v.cols {
                let p = v.position(row: i, col: j)
                if p.row > -0.5 && p.row < Double(pattern.height) - 0.5 && p.col > -0.5 && p.col < Double(pattern.width) - 0.5 {
                    inside.append(values[i * v.cols + j])
                }
            }
        }
        return inside.count * 10 >= values.count ? inside : values
    }

    /// Which samples of the map in progress are new: the refresh goes coarse to fine (every
    /// 4th sample, every 2nd, the rest), so until a sample's turn comes the nearest new coarser
    /// one stands in for it. The picture sharpens as it updates instead of mixing old and new
    /// values into a checkerboard.
    struct Refresh {
        let viewport: Viewport
        /// Each sample's place in the refresh order, and how many of them are done.
        let rank: [Int]
        let done: Int

        init(_ viewport: Viewport, progress: Double) {
            self.viewport = viewport
            var rank = [Int](repeating: 0, count: viewport.count)
            for (k, index) in Session.refreshOrder(rows: viewport.rows, cols: viewport.cols).enumerated() { rank[index] = k }
            self.rank = rank
            done = progress >= 1 ? viewport.count : Int(progress * Double(viewport.count))
        }

        func isNew(_ i: Int, _ j: Int) -> Bool { rank[i * viewport.cols + j] < done }

        /// The nearest sample on the grid of every `stride`-th row and column.
        func parent(_ i: Int, _ j: Int, _ stride: Int) -> (Int, Int) {
            func snap(_ x: Int, _ n: Int) -> Int {
                let up = (x + stride / 2) / stride * stride
                return up < n ? up : x / stride * stride
            }
            return (snap(i, viewport.rows), snap(j, viewport.cols))
        }

        func value(_ values: [Float], _ i: Int, _ j: Int) -> Float {
            let own = values[i * viewport.cols + j]
            if isNew(i, j) && !own.isNaN { return own }
            for stride in [2, 4] {
                let (a, b) = parent(i, j, stride)
                let x = values[a * viewport.cols + b]
                if isNew(a, b) && !x.isNaN { return x }
            }
            if !own.isNaN { return own }  // not reached by this refresh yet: the previous value
            for stride in [2, 4] {
                let (a, b) = parent(i, j, stride)
                if !values[a * viewport.cols + b].isNaN { return values[a * viewport.cols + b] }
            }
            return .nan
        }
    }

    public func value(row: Int, col: Int) -> Float { values[row * cols + col] }

    /// Position on the colour scale, 0 = good (low loss, high accuracy: dark like the pattern's
    /// black) ... 1 = bad; nil when unknown.
    public func scale(_ x: Float) -> Double? {
        guard x.isFinite else { return nil }
        let v = Double(x)
        let t: Double
        switch scaleMode {
        case .ranked where sorted.count > 1:
            // the mid-rank among the scale's samples: ties (a flat region) share the middle of their ranks
            let below = Self.count(sorted) { $0 < x }, notAbove = Self.count(sorted) { $0 <= x }
            t = (Double(below) + Double(max(below, notAbove - 1))) / 2 / Double(sorted.count - 1)
        case .log where metric == .loss:
            t = (log(max(v, low)) - log(low)) / (log(high) - log(low))
        default:
            t = metric == .accuracy && scaleMode != .ranked ? v : (v - low) / (high - low)
        }
        let clamped = min(1, max(0, t))
        return metric == .accuracy ? 1 - clamped : clamped  // high accuracy is good: the dark end
    }

    /// How many of the sorted values satisfy `isLow` (true for a prefix): a binary search.
    static func count(_ sorted: [Float], _ isLow: (Float) -> Bool) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if isLow(sorted[mid]) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The colour-map entry for a scale position.
    public func color(_ t: Double) -> ColorMap.RGB {
        palette[min(Self.levels - 1, max(0, Int((t * Double(Self.levels - 1)).rounded())))]
    }

    /// Label of the scale's ends: good end first.
    public var endLabels: (String, String) {
        metric == .accuracy ? (Format.compact(high), Format.compact(low)) : (Format.compact(low), Format.compact(high))
    }

    /// Colour of samples not evaluated yet.
    static let unknown = ColorMap.RGB(40, 40, 40)

    /// Colour of the pattern-edge overlay: one that the colour map never uses.
    var edgeColor: ColorMap.RGB {
        switch colorMap {
        case .viridis, .gray: ColorMap.RGB(255, 40, 40)
        case .diverging: ColorMap.RGB(0, 200, 60)
        }
    }
}
