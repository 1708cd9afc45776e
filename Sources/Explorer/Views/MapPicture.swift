import Foundation
import MPO

/// The values the heatmap shows and how they map to colours, built once per frame from the
/// snapshot. The grid is the camera's with `detail` x `detail` values per sample (more than one
/// when a paused map has refined beyond the camera's grid, up to one per pixel). Each value is
/// the current map's nearest sample where it has one (a refresh replaces samples in place, so a
/// complete map never has holes); else the last complete map's (so a new grid never looks
/// coarser than the picture before it); else, while a first map fills in, its nearest coarser
/// sample.
public struct MapPicture: Sendable {
    /// The camera's grid.
    public let rows: Int, cols: Int
    /// Values per camera sample along each axis.
    public let detail: Int
    /// [rows * detail, cols * detail]; NaN where nothing is known yet.
    public let values: [Float]
    public let metric: Heatmap.Metric
    /// The colour scale, set by the values over the pattern (`HeatmapScale.onScreen`).
    public let colorScale: HeatmapScale
    public let colorMap: ColorMap
    /// 64 steps of the colour map: smooth to the eye, and few enough colour pairs for curses.
    static let levels = 64
    let palette: [ColorMap.RGB]

    public init(state: AppState) {
        let camera = state.camera
        let v = camera.viewport
        rows = v.rows
        cols = v.cols
        metric = state.display.metric
        colorMap = state.display.colorMap
        let current = state.snapshot?.map.heatmap
        let backdrop = state.snapshot.flatMap { s in
            state.backdrop.flatMap { b in
                b.batchNorm == s.training.batchNorm && b.map.split == s.map.split && b.pattern == s.training.pattern && b.fixedPath == s.training.fixedPlane?.path ? b.map : nil
            }
        }
        // as fine as the finest map at hand, but never finer than the screen's pixels
        let finest = [current, backdrop].compactMap { $0?.viewport.zoom }.min() ?? v.zoom
        let f = min(max(1, Int((v.zoom / finest).rounded())), max(1, camera.pixelsPerSample))
        detail = f
        var values = [Float](repeating: .nan, count: rows * f * cols * f)
        if let current {
            let now = current.values(metric), back = backdrop?.values(metric)
            let coarse = Coarse(current.viewport, now)
            for a in 0..<(rows * f) {
                for b in 0..<(cols * f) {
                    let p = Self.position(v, f, a, b)
                    var x = Float.nan
                    let own = current.viewport.sample(nearest: p.row, p.col)
                    if let (i, j) = own { x = now[i * current.viewport.cols + j] }
                    if x.isNaN, let bm = backdrop, let back, let (i, j) = bm.viewport.sample(nearest: p.row, p.col) {
                        x = back[i * bm.viewport.cols + j]
                    }
                    if x.isNaN, let (i, j) = own { x = coarse.value(i, j) }
                    values[a * cols * f + b] = x
                }
            }
        }
        self.values = values
        // a fixed plane has no pattern to scale to (its session's idle pattern is not on show)
        let inRange = Self.rangeSamples(values, v.refined(by: f), state.fixedPlane == nil ? state.snapshot?.training.pattern : nil)
        colorScale = HeatmapScale.onScreen(
            inRange, metric: metric, mode: state.display.scale, clip: state.snapshot.map { $0.training.config.clip(for: $0.training.pattern) } ?? TrainingConfig.live.clip)
        palette = state.capabilities.colors == .palette256 ? Self.ramps256[colorMap]! : Self.ramps[colorMap]!
    }

    /// The colour map's `levels` steps, and the same in the 256-colour palette with their lightness
    /// in order (`Palette.ramp256`; nearest matches alone made parts of viridis lighter than the
    /// values above them).
    static let ramps: [ColorMap: [ColorMap.RGB]] = Dictionary(uniqueKeysWithValues: ColorMap.allCases.map { map in
        (map, (0..<levels).map { map.color(Double($0) / Double(levels - 1)) })
    })
    static let ramps256: [ColorMap: [ColorMap.RGB]] = ramps.mapValues(Palette.ramp256)

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

    /// Plane position of detail value (a, b): `f` x `f` values centred on each camera sample.
    static func position(_ v: Viewport, _ f: Int, _ a: Int, _ b: Int) -> (row: Double, col: Double) {
        f == 1 ? v.position(row: a, col: b) : v.refined(by: f).position(row: a, col: b)
    }

    /// A first map filling in (coarse to fine, `Session.refreshOrder`): until a sample's turn
    /// comes, the nearest evaluated sample on the grid of every 2nd, then 4th, row and column.
    struct Coarse {
        let viewport: Viewport
        let values: [Float]

        init(_ viewport: Viewport, _ values: [Float]) {
            self.viewport = viewport
            self.values = values
        }

        func parent(_ i: Int, _ j: Int, _ stride: Int) -> (Int, Int) {
            func snap(_ x: Int, _ n: Int) -> Int {
                let up = (x + stride / 2) / stride * stride
                return up < n ? up : x / stride * stride
            }
            return (snap(i, viewport.rows), snap(j, viewport.cols))
        }

        func value(_ i: Int, _ j: Int) -> Float {
            for stride in [1, 2, 4] {
                let (a, b) = parent(i, j, stride)
                let x = values[a * viewport.cols + b]
                if !x.isNaN { return x }
            }
            return .nan
        }
    }

    /// The value shown at a camera sample (its centre).
    public func value(row: Int, col: Int) -> Float {
        detailValue(row: row * detail + detail / 2, col: col * detail + detail / 2)
    }

    /// The value of a detail cell ([rows * detail, cols * detail]).
    public func detailValue(row: Int, col: Int) -> Float { values[row * cols * detail + col] }

    /// Position on the colour scale, 0 = good (low loss, high accuracy: dark like the pattern's
    /// black) ... 1 = bad; nil when unknown (an infinite value included: unknown on screen).
    public func scale(_ x: Float) -> Double? { x.isFinite ? colorScale.tone(x) : nil }

    public var scaleMode: HeatmapScale.Mode { colorScale.mode }
    /// Value range of the colour scale (loss: what is on screen, linear up to the training clamp;
    /// accuracy: 0...1).
    public var low: Double { colorScale.low }
    public var high: Double { colorScale.high }
    /// The loss scale ends at the training clamp c below the highest value: more is drawn as c.
    public var clipped: Bool { colorScale.clipped }

    /// The colour-map entry for a scale position.
    public func color(_ t: Double) -> ColorMap.RGB {
        palette[min(Self.levels - 1, max(0, Int((t * Double(Self.levels - 1)).rounded())))]
    }

    /// Label of the scale's ends: good end first.
    public var endLabels: (String, String) {
        metric == .accuracy ? (Format.compact(high), Format.compact(low)) : (Format.compact(low), Format.compact(high) + (clipped ? "+" : ""))
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
