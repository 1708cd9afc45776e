import Engine
import Foundation

/// Line charts with error bars, drawn into an RGB picture with `BitmapFont` (for experiment
/// figures such as the paper's Figure 4), at a fixed size. Panels share the width side by side;
/// each has a title, a y-axis label above its left axis, "nice" ticks (1, 2, 5 x 10^k) with
/// labels and light grid lines, an x-axis label, and a legend below. Series differ in colour
/// and marker (circle, square, triangle, ...) so the figure also reads in gray; points with an
/// error are drawn mean +- error with capped bars, and series are nudged apart horizontally so
/// their bars do not overlap.
///
///     +------------------------------------------------+
///     | FIGURE TITLE                                   |
///     | PANEL TITLE            | PANEL TITLE           |
///     | Y LABEL                | Y LABEL               |
///     | 0.8 +--------------+   | ...                   |
///     |     |  o-o-o       |   |                       |
///     | 0.0 +--------------+   |                       |
///     |     0.1   0.5   0.9    |                       |
///     |        X LABEL         |                       |
///     |   -o- PLAIN  -#- BN    |                       |
///     +------------------------------------------------+
public struct Plot {
    public struct Point: Sendable, Hashable {
        public var x: Double, y: Double
        /// Half-length of the error bar (e.g. one standard deviation); 0 or NaN: no bar.
        public var error: Double
        public init(x: Double, y: Double, error: Double = 0) {
            self.x = x
            self.y = y
            self.error = error
        }
    }

    public struct Series: Sendable {
        public var name: String
        public var points: [Point]
        /// nil: the palette's colour for the series' position.
        public var color: ColorMap.RGB?
        public init(name: String, points: [Point], color: ColorMap.RGB? = nil) {
            self.name = name
            self.points = points
            self.color = color
        }
    }

    public struct Panel: Sendable {
        public var title: String
        public var xLabel: String, yLabel: String
        public var series: [Series]
        /// nil: fitted to the data (bars included), widened to nice ticks.
        public var xRange: ClosedRange<Double>?, yRange: ClosedRange<Double>?
        /// Fixed x tick positions (e.g. the probabilities run); nil: nice ticks.
        public var xTicks: [Double]?
        public init(
            title: String, xLabel: String, yLabel: String, series: [Series],
            xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil, xTicks: [Double]? = nil
        ) {
            self.title = title
            self.xLabel = xLabel
            self.yLabel = yLabel
            self.series = series
            self.xRange = xRange
            self.yRange = yRange
            self.xTicks = xTicks
        }
    }

    /// Colour-blind-safe (Okabe–Ito) blue, vermillion, green, purple, orange.
    public static let palette: [ColorMap.RGB] = [0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7, 0xE69F00].map(ColorMap.RGB.init(hex:))

    public var panels: [Panel]
    public var title: String?
    /// The picture's size in pixels; panels share the width equally.
    public var width: Int, height: Int

    public init(panels: [Panel], title: String? = nil, width: Int = 1100, height: Int = 520) {
        self.panels = panels
        self.title = title
        self.width = width
        self.height = height
    }

    static let font = 2
    static let line = 20  // text line height at font scale 2
    static let pad = 16
    static let tickLength = 5
    static let ink = ColorMap.RGB(0x20, 0x20, 0x20)
    static let grid = ColorMap.RGB(0xE4, 0xE4, 0xE4)

    /// The figure as a `width` x `height` picture (text that does not fit is cut off).
    public func render() -> PNG.Image {
        var image = PNG.Image(width: width, height: height, channels: 3, fill: 255)
        let titleH = title == nil ? 0 : Self.line + 8
        let n = max(1, panels.count)
        let panelW = (width - Self.pad * (n + 1)) / n, panelH = height - 2 * Self.pad - titleH
        if let title {
            BitmapFont.draw(title, into: &image, x: Self.pad, y: Self.pad, scale: Self.font, color: Self.ink)
        }
        for (k, panel) in panels.enumerated() {
            PanelLayout(panel, width: panelW, height: panelH)
                .draw(into: &image, x: Self.pad + k * (panelW + Self.pad), y: Self.pad + titleH)
        }
        return image
    }

    public var png: [UInt8] { PNG.encode(render()) }

    // MARK: - Ticks

    /// Round tick values covering `range` with about `count` intervals: steps of 1, 2 or 5 x 10^k.
    static func niceTicks(_ range: ClosedRange<Double>, count: Int = 5) -> [Double] {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite else { return [range.lowerBound] }
        let raw = span / Double(max(1, count))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw * 0.999 }!
        let first = (range.lowerBound / step).rounded(.down), last = (range.upperBound / step).rounded(.up)
        return stride(from: first, through: last, by: 1).map { ($0 * step * 1e9).rounded() / 1e9 }
    }

    /// A tick label with as few decimals as the tick step needs ("0", "0.25", "-0.1").
    static func tickLabel(_ v: Double, step: Double) -> String {
        let decimals = max(0, min(6, Int(ceil(-log10(step) - 1e-9))))
        let s = String(format: "%.\(decimals)f", v)
        return s == "-0" || s.hasPrefix("-0.") && Double(s) == 0 ? String(s.dropFirst()) : s
    }

    /// The data extent of a panel along one axis, error bars included.
    static func extent(_ panel: Panel, _ value: (Point) -> [Double]) -> ClosedRange<Double> {
        let v = panel.series.flatMap { $0.points.flatMap(value) }.filter(\.isFinite)
        guard let lo = v.min(), let hi = v.max() else { return 0...1 }
        return lo == hi ? (lo - 0.5)...(hi + 0.5) : lo...hi
    }

    // MARK: - One panel

    struct PanelLayout {
        let panel: Panel
        let plotW: Int, plotH: Int
        let xRange: ClosedRange<Double>, yRange: ClosedRange<Double>
        let xTicks: [Double], yTicks: [Double]
        let xLabels: [String], yLabels: [String]
        /// Left margin (y tick labels).
        let left: Int

        /// Lays out a panel in a width x height box: title and y label above the plotting area,
        /// tick labels, x label and legend below it.
        init(_ panel: Panel, width: Int, height: Int) {
            self.panel = panel
            let yData = panel.yRange ?? Plot.extent(panel) { p in
                [p.y - (p.error.isFinite ? p.error : 0), p.y + (p.error.isFinite ? p.error : 0)]
            }
            // a little air so that markers on the extremes are not cut by the frame
            let air = (yData.upperBound - yData.lowerBound) * 0.04
            let niceY = Plot.niceTicks(panel.yRange ?? (yData.lowerBound - air)...(yData.upperBound + air))
            let yRange = panel.yRange ?? (niceY.first!...max(niceY.last!, niceY.first! + 1e-9))
            let yTicks = niceY.filter { yRange.contains($0 + 1e-12) || yRange.contains($0 - 1e-12) }
            let xTicks: [Double], xRange: ClosedRange<Double>
            if let ticks = panel.xTicks, !ticks.isEmpty {
                xTicks = ticks
                let lo = ticks.min()!, hi = ticks.max()!
                let margin = ticks.count > 1 ? (hi - lo) / Double(ticks.count - 1) / 2 : 0.5
                xRange = panel.xRange ?? (lo - margin)...(hi + margin)
            } else {
                let ticks = Plot.niceTicks(panel.xRange ?? Plot.extent(panel) { [$0.x] })
                xTicks = ticks
                xRange = panel.xRange ?? (ticks.first!...max(ticks.last!, ticks.first! + 1e-9))
            }
            func step(_ t: [Double]) -> Double { t.count > 1 ? zip(t.dropFirst(), t).map { $0 - $1 }.min()! : 1 }
            let xStep = step(xTicks), yStep = step(niceY)
            let yLabels = yTicks.map { Plot.tickLabel($0, step: yStep) }
            (self.yRange, self.yTicks, self.xTicks, self.xRange) = (yRange, yTicks, xTicks, xRange)
            xLabels = xTicks.map { Plot.tickLabel($0, step: xStep) }
            self.yLabels = yLabels
            let labelW = yLabels.map { BitmapFont.width(of: $0, scale: Plot.font) }.max() ?? 0
            left = labelW + Plot.tickLength + 6
            plotW = max(10, width - left - 8)
            plotH = max(10, height - PanelLayout.above - PanelLayout.below)
        }

        /// Rows above the plotting area (title, y label) and below it (ticks, x label, legend).
        static let above = 2 * Plot.line + 6
        static let below = Plot.tickLength + 3 + Plot.line + Plot.line + 8 + Plot.line

        static let markerSize = 9
        static let legendSample = 34

        func px(_ x: Double, _ x0: Int) -> Int {
            x0 + Int(((x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * Double(plotW - 1)).rounded())
        }

        func py(_ y: Double, _ y0: Int) -> Int {
            y0 + plotH - 1 - Int(((y - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * Double(plotH - 1)).rounded())
        }

        func draw(into image: inout PNG.Image, x: Int, y: Int) {
            let ink = Plot.ink, font = Plot.font
            BitmapFont.draw(panel.title, into: &image, x: x, y: y, scale: font, color: ink)
            BitmapFont.draw(panel.yLabel, into: &image, x: x, y: y + Plot.line, scale: font, color: ColorMap.RGB(0x50, 0x50, 0x50))
            let x0 = x + left, y0 = y + PanelLayout.above
            // grid and y ticks
            for (v, label) in zip(yTicks, yLabels) {
                let yy = py(v, y0)
                image.fill(x: x0, y: yy, width: plotW, height: 1, color: v == 0 ? ColorMap.RGB(0xB0, 0xB0, 0xB0) : Plot.grid)
                image.fill(x: x0 - Plot.tickLength, y: yy, width: Plot.tickLength, height: 1, color: ink)
                let w = BitmapFont.width(of: label, scale: font)
                BitmapFont.draw(label, into: &image, x: x0 - Plot.tickLength - 4 - w, y: yy - BitmapFont.height(scale: font) / 2,
                                scale: font, color: ink)
            }
            // x ticks
            let tickY = y0 + plotH
            for (v, label) in zip(xTicks, xLabels) {
                let xx = px(v, x0)
                image.fill(x: xx, y: tickY, width: 1, height: Plot.tickLength, color: ink)
                let w = BitmapFont.width(of: label, scale: font)
                BitmapFont.draw(label, into: &image, x: xx - w / 2, y: tickY + Plot.tickLength + 3, scale: font, color: ink)
            }
            // axes: left and bottom
            image.fill(x: x0 - 1, y: y0, width: 1, height: plotH + 1, color: ink)
            image.fill(x: x0 - 1, y: y0 + plotH, width: plotW + 1, height: 1, color: ink)
            let xLabelY = tickY + Plot.tickLength + 3 + Plot.line
            let xLabelW = BitmapFont.width(of: panel.xLabel, scale: font)
            BitmapFont.draw(panel.xLabel, into: &image, x: x0 + (plotW - xLabelW) / 2, y: xLabelY, scale: font, color: ink)

            // series, nudged apart so error bars stay visible
            let n = panel.series.count
            var clipped = image
            for (k, series) in panel.series.enumerated() {
                let color = series.color ?? Plot.palette[k % Plot.palette.count]
                let nudge = (2 * k - (n - 1)) * 4
                let points = series.points.filter { $0.x.isFinite && $0.y.isFinite }.sorted { $0.x < $1.x }
                let pixels = points.map { (px($0.x, x0) + nudge, py($0.y, y0)) }
                for (a, b) in zip(pixels, pixels.dropFirst()) {
                    Plot.line(&clipped, from: a, to: b, width: 2, color: color)
                }
                for (p, (xx, _)) in zip(points, pixels) where p.error.isFinite && p.error > 0 {
                    let top = py(p.y + p.error, y0), bottom = py(p.y - p.error, y0)
                    clipped.fill(x: xx - 1, y: top, width: 2, height: bottom - top + 1, color: color)
                    clipped.fill(x: xx - 5, y: top, width: 11, height: 2, color: color)
                    clipped.fill(x: xx - 5, y: bottom - 1, width: 11, height: 2, color: color)
                }
                for (xx, yy) in pixels {
                    Plot.marker(&clipped, k, x: xx, y: yy, size: Self.markerSize, color: color)
                }
            }
            // keep only the plotting area (plus a marker's half-width) of what the series drew
            let m = Self.markerSize / 2 + 1
            for yy in max(0, y0 - m)..<min(image.height, y0 + plotH + m) {
                for xx in max(0, x0 - m)..<min(image.width, x0 + plotW + m) {
                    let i = (yy * image.width + xx) * 3
                    image.pixels[i..<(i + 3)] = clipped.pixels[i..<(i + 3)]
                }
            }
            // legend below the x label
            var lx = x0
            let ly = xLabelY + Plot.line + 8
            for (k, series) in panel.series.enumerated() {
                let color = series.color ?? Plot.palette[k % Plot.palette.count]
                let mid = ly + BitmapFont.height(scale: font) / 2
                Plot.line(&image, from: (lx, mid), to: (lx + Self.legendSample, mid), width: 2, color: color)
                Plot.marker(&image, k, x: lx + Self.legendSample / 2, y: mid, size: Self.markerSize, color: color)
                BitmapFont.draw(series.name, into: &image, x: lx + Self.legendSample + 6, y: ly, scale: font, color: ink)
                lx += Self.legendSample + 6 + BitmapFont.width(of: series.name, scale: font) + 20
            }
        }
    }

    // MARK: - Drawing primitives

    /// A straight line `width` pixels thick (Bresenham, a square brush), drawn only inside `clip`
    /// (x, y, width, height) when given.
    static func line(
        _ image: inout PNG.Image, from a: (Int, Int), to b: (Int, Int), width: Int, color: ColorMap.RGB, clip: (Int, Int, Int, Int)? = nil
    ) {
        var (x, y) = a
        let dx = abs(b.0 - x), dy = -abs(b.1 - y), sx = x < b.0 ? 1 : -1, sy = y < b.1 ? 1 : -1
        var err = dx + dy
        while true {
            if let (cx, cy, cw, ch) = clip {
                let x0 = max(cx, x - width / 2), y0 = max(cy, y - width / 2)
                let x1 = min(cx + cw, x - width / 2 + width), y1 = min(cy + ch, y - width / 2 + width)
                if x0 < x1 && y0 < y1 { image.fill(x: x0, y: y0, width: x1 - x0, height: y1 - y0, color: color) }
            } else {
                image.fill(x: x - width / 2, y: y - width / 2, width: width, height: width, color: color)
            }
            if x == b.0 && y == b.1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }

    /// Marker `kind`: 0 filled circle, 1 filled square, 2 filled triangle, 3 diamond, then repeats.
    static func marker(_ image: inout PNG.Image, _ kind: Int, x: Int, y: Int, size: Int, color: ColorMap.RGB) {
        let r = size / 2
        for dy in -r...r {
            for dx in -r...r {
                let inside: Bool
                switch kind % 4 {
                case 0: inside = dx * dx + dy * dy <= r * r + r / 2
                case 1: inside = abs(dx) < r && abs(dy) < r
                case 2: inside = dy > -r && 2 * abs(dx) <= dy + r
                default: inside = abs(dx) + abs(dy) <= r
                }
                if inside { image.fill(x: x + dx, y: y + dy, width: 1, height: 1, color: color) }
            }
        }
    }
}
