import Engine
import Foundation

/// What a direction plane adds to its picture: its coordinates along the map, and its markers
/// and trajectory drawn over it.
extension HeatmapImage {
    /// Points and a path in grid positions (a direction plane's are (−β, α)).
    public struct Marks: Sendable {
        public struct Point: Sendable, Hashable {
            public var name: String
            public var row: Double, col: Double
            public init(name: String, row: Double, col: Double) {
                self.name = name
                self.row = row
                self.col = col
            }
        }

        public var points: [Point] = []
        /// Drawn as connected segments, first to last.
        public var path: [Point] = []
        public init() {}

        /// A direction plane's markers and trajectory.
        public init(_ plane: DirectionPlane) {
            let frame = plane.frame
            func point(_ m: DirectionPlane.Marker) -> Point {
                let p = frame.position(m.alpha, m.beta)
                return Point(name: m.name, row: p.row, col: p.col)
            }
            points = plane.markers.map(point)
            path = plane.trajectory.map(point)
        }
    }

    /// The pixel at grid position (row, col) for a map at (mapX, mapY) with `s` pixels per sample.
    static func pixel(_ v: Viewport, row: Double, col: Double, mapX: Int, mapY: Int, s: Int) -> (x: Int, y: Int) {
        (mapX + Int((((col - v.centerCol) / v.zoom + Double(v.cols - 1) / 2 + 0.5) * Double(s)).rounded(.down)),
         mapY + Int((((row - v.centerRow) / v.zoom + Double(v.rows - 1) / 2 + 0.5) * Double(s)).rounded(.down)))
    }

    /// The path in the overlay colour with a dark casing, its start ringed; each marker a dot with
    /// its name on a white label beside it. Everything is clipped to the map.
    static func drawMarks(_ marks: Marks, on image: inout PNG.Image, viewport v: Viewport, mapX: Int, mapY: Int, s: Int, color: ColorMap.RGB) {
        let mapW = v.cols * s, mapH = v.rows * s, clip = (mapX, mapY, mapW, mapH)
        func inside(_ p: (x: Int, y: Int)) -> Bool { p.x >= mapX && p.x < mapX + mapW && p.y >= mapY && p.y < mapY + mapH }
        let path = marks.path.map { pixel(v, row: $0.row, col: $0.col, mapX: mapX, mapY: mapY, s: s) }
        for (width, pen) in [(5, ink), (3, color)] {
            for (a, b) in zip(path, path.dropFirst()) { Plot.line(&image, from: a, to: b, width: width, color: pen, clip: clip) }
        }
        if let start = path.first, inside(start) {
            Plot.marker(&image, 0, x: start.x, y: start.y, size: 11, color: ink)
            Plot.marker(&image, 0, x: start.x, y: start.y, size: 7, color: background)
        }
        for m in marks.points {
            let p = pixel(v, row: m.row, col: m.col, mapX: mapX, mapY: mapY, s: s)
            guard inside(p) else { continue }
            Plot.marker(&image, 0, x: p.x, y: p.y, size: 13, color: ink)
            Plot.marker(&image, 0, x: p.x, y: p.y, size: 9, color: color)
            // The name up and to the right, or to the left near the map's right edge.
            let w = BitmapFont.width(of: m.name, scale: fontScale), h = BitmapFont.height(scale: fontScale)
            let x = p.x + 9 + w + 3 <= mapX + mapW ? p.x + 9 : p.x - 9 - w
            let y = max(mapY + 2, p.y - 9 - h)
            image.fill(x: x - 2, y: y - 2, width: w + 4, height: h + 4, color: background)
            BitmapFont.draw(m.name, into: &image, x: x, y: y, scale: fontScale, color: ink)
        }
    }

    /// α ticks below the map and β ticks at its left, with the axis names (font scale 2).
    struct AxisTicks {
        let v: Viewport, s: Int
        let alphas: [Double], betas: [Double], step: (Double, Double)
        static let tick = 5

        /// nil when the view is too small for ticks.
        init?(viewport v: Viewport, s: Int) {
            self.v = v
            self.s = s
            let mapW = v.cols * s, mapH = v.rows * s
            guard mapW >= 40, mapH >= 40 else { return nil }
            // Plane coordinates at the map's edges: α = col, β = −row.
            let a0 = v.centerCol - Double(v.cols) / 2 * v.zoom, a1 = v.centerCol + Double(v.cols) / 2 * v.zoom
            let b0 = -(v.centerRow + Double(v.rows) / 2 * v.zoom), b1 = -(v.centerRow - Double(v.rows) / 2 * v.zoom)
            func ticks(_ lo: Double, _ hi: Double) -> ([Double], Double) {
                let t = Plot.niceTicks(lo...hi, count: 4).filter { $0 >= lo - 1e-9 && $0 <= hi + 1e-9 }
                return (t, t.count > 1 ? t[1] - t[0] : 1)
            }
            let (a, sa) = ticks(a0, a1), (b, sb) = ticks(b0, b1)
            (alphas, betas, step) = (a, b, (sa, sb))
        }

        var labelWidth: Int { betas.map { BitmapFont.width(of: Plot.tickLabel($0, step: step.1), scale: HeatmapImage.fontScale) }.max() ?? 0 }
        /// Room at the left: "β", a gap, the widest label, a gap, the tick.
        var leftWidth: Int { BitmapFont.width(of: "β", scale: HeatmapImage.fontScale) + 8 + labelWidth + 4 + Self.tick + 2 }
        /// Room below: the tick, labels, the axis name.
        var bottomHeight: Int { Self.tick + 4 + HeatmapImage.lineHeight + HeatmapImage.lineHeight }

        func draw(on image: inout PNG.Image, mapX: Int, mapY: Int, mapW: Int, mapH: Int) {
            let h = BitmapFont.height(scale: HeatmapImage.fontScale)
            for a in alphas {
                let x = pixel(v, row: v.centerRow, col: a, mapX: mapX, mapY: mapY, s: s).x
                guard x >= mapX - 1 && x <= mapX + mapW else { continue }
                image.fill(x: x, y: mapY + mapH + 1, width: 1, height: Self.tick, color: HeatmapImage.ink)
                let label = Plot.tickLabel(a, step: step.0), w = BitmapFont.width(of: label, scale: HeatmapImage.fontScale)
                BitmapFont.draw(label, into: &image, x: x - w / 2, y: mapY + mapH + Self.tick + 4, scale: HeatmapImage.fontScale, color: HeatmapImage.ink)
            }
            for b in betas {
                let y = pixel(v, row: -b, col: v.centerCol, mapX: mapX, mapY: mapY, s: s).y
                guard y >= mapY - 1 && y <= mapY + mapH else { continue }
                image.fill(x: mapX - 1 - Self.tick, y: y, width: Self.tick, height: 1, color: HeatmapImage.ink)
                let label = Plot.tickLabel(b, step: step.1), w = BitmapFont.width(of: label, scale: HeatmapImage.fontScale)
                BitmapFont.draw(label, into: &image, x: mapX - Self.tick - 6 - w, y: y - h / 2, scale: HeatmapImage.fontScale, color: HeatmapImage.ink)
            }
            let aw = BitmapFont.width(of: "α", scale: HeatmapImage.fontScale)
            BitmapFont.draw("α", into: &image, x: mapX + (mapW - aw) / 2, y: mapY + mapH + Self.tick + 4 + HeatmapImage.lineHeight, scale: HeatmapImage.fontScale, color: HeatmapImage.ink)
            BitmapFont.draw("β", into: &image, x: mapX - leftWidth, y: mapY + (mapH - h) / 2, scale: HeatmapImage.fontScale, color: HeatmapImage.ink)
        }
    }
}
