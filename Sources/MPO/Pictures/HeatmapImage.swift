import Engine
import Foundation

/// A heatmap drawn as an RGB picture: each sample a square block of pixels in a colour map,
/// dark = good (low loss, high accuracy; see `HeatmapScale`), row 0 at the top like the pattern.
/// With the legend: a title and subtitle above, and below a colour bar labelled with the values at
/// its ends and middle. Optionally the pattern's black/white boundaries are drawn on top.
///
///     +-----------------------------+
///     | TITLE                       |
///     | SUBTITLE                    |
///     |  +-----------------------+  |
///     |  |  rows*s x cols*s map  |  |
///     |  +-----------------------+  |
///     |  [=======colour bar======]  |
///     |  lo        mid         hi   |
///     +-----------------------------+
public struct HeatmapImage {
    public struct Options: Sendable {
        public var colorMap: ColorMap = .viridis
        /// Log scale for loss (ignored for accuracy).
        public var logarithmic = false
        /// Values mapped to the ends of the colour map; nil: the heatmap's finite min...max.
        public var range: ClosedRange<Float>?
        /// Pixels per sample side; nil: the smallest that makes the map `minimumWidth` wide.
        public var pixelsPerSample: Int?
        public var minimumWidth = 400
        public var legend = true
        /// Draw this pattern's boundaries between black and white cells, and its extent (dashed).
        public var edges: Pattern?
        /// Default title: "<SPLIT> <METRIC>".
        public var title: String?
        public var subtitle: String?
        /// A direction plane's coordinates along the map (with the legend): α ticks below, β at
        /// the left (`HeatmapImage+Marks.swift`); nil or a pattern frame: none.
        public var axes: PlaneFrame?
        /// Named points and a path drawn over the map (a direction plane's markers and trajectory).
        public var marks = Marks()

        public init() {}
    }

    public private(set) var image: PNG.Image
    public let scale: HeatmapScale
    public let pixelsPerSample: Int
    /// Top-left pixel of the map inside the image.
    public let mapX: Int, mapY: Int
    /// The colour bar's labels: its left (dark) end, middle and right (bright) end.
    public let labels: [String]
    /// Top row of the colour bar (which spans the map's width), nil without the legend.
    public let barY: Int?

    static let padding = 12
    static let fontScale = 2
    static let lineHeight = 20
    static let barHeight = 16
    static let background = ColorMap.RGB(255, 255, 255)
    static let ink = ColorMap.RGB(0x20, 0x20, 0x20)
    static let frame = ColorMap.RGB(0x80, 0x80, 0x80)

    public init(heatmap: Heatmap, metric: Heatmap.Metric, options: Options = Options()) {
        let viewport = heatmap.viewport
        let values = heatmap.values(metric)
        let scale = options.range.map { HeatmapScale(metric: metric, range: $0, logarithmic: options.logarithmic) }
            ?? HeatmapScale(fitting: values, metric: metric, logarithmic: options.logarithmic)
        let s = max(1, options.pixelsPerSample ?? (options.minimumWidth + viewport.cols - 1) / max(1, viewport.cols))
        let mapW = viewport.cols * s, mapH = viewport.rows * s

        let title = options.title ?? "\(heatmap.split.rawValue) \(metric.rawValue)\(scale.logarithmic ? " (log scale)" : "")"
        let lines = options.legend ? [title] + (options.subtitle.map { [$0] } ?? []) : []
        // An end label reads ">=x" or "<=x" when values beyond it are clamped to its colour.
        let finite = values.filter(\.isFinite)
        let below = finite.contains { $0 < scale.range.lowerBound }, above = finite.contains { $0 > scale.range.upperBound }
        let labels = [0, 0.5, 1].map { t -> String in
            let v = Self.label(scale.value(atTone: t))
            guard t != 0.5 else { return v }
            let isLower = (t == 0) == (metric == .loss)
            return isLower ? (below ? "<=" : "") + v : (above ? ">=" : "") + v
        }
        let pad = options.legend ? Self.padding : 0
        let axes = options.legend ? options.axes.flatMap { $0.axes == .alphaBeta ? AxisTicks(viewport: viewport, s: s) : nil } : nil
        let left = axes?.leftWidth ?? 0, axisBand = axes?.bottomHeight ?? 0
        let textW = (lines + [labels.joined(separator: "   ")]).map { BitmapFont.width(of: $0, scale: Self.fontScale) }.max()!
        let contentW = options.legend ? max(mapW, textW - left) : mapW
        let mapX = pad + left + (contentW - mapW) / 2
        let mapY = options.legend ? pad + lines.count * Self.lineHeight + 6 : 0
        let barY = mapY + mapH + axisBand + 12
        let labelY = barY + Self.barHeight + 8
        let height = options.legend ? labelY + BitmapFont.height(scale: Self.fontScale) + pad : mapH
        var image = PNG.Image(width: contentW + left + 2 * pad, height: height, channels: 3, fill: 255)

        for i in 0..<viewport.rows {
            for j in 0..<viewport.cols {
                let x = mapX + j * s, y = mapY + i * s
                if let t = scale.tone(values[i * viewport.cols + j]) {
                    image.fill(x: x, y: y, width: s, height: s, color: options.colorMap.color(t))
                } else {
                    Self.hatch(&image, x: x, y: y, width: s, height: s)
                }
            }
        }
        if let pattern = options.edges {
            Self.drawEdges(of: pattern, on: &image, viewport: viewport, mapX: mapX, mapY: mapY, s: s,
                           color: options.colorMap.overlayColor)
        }
        Self.drawMarks(options.marks, on: &image, viewport: viewport, mapX: mapX, mapY: mapY, s: s, color: options.colorMap.overlayColor)
        axes?.draw(on: &image, mapX: mapX, mapY: mapY, mapW: mapW, mapH: mapH)
        if options.legend {
            let textX = textW > mapW ? pad : mapX
            for (k, line) in lines.enumerated() {
                BitmapFont.draw(line, into: &image, x: textX, y: pad + k * Self.lineHeight, scale: Self.fontScale, color: Self.ink)
            }
            Self.outline(&image, x: mapX - 1, y: mapY - 1, width: mapW + 2, height: mapH + 2, color: Self.frame)
            for x in 0..<mapW {
                let t = mapW > 1 ? Double(x) / Double(mapW - 1) : 0
                image.fill(x: mapX + x, y: barY, width: 1, height: Self.barHeight, color: options.colorMap.color(t))
            }
            Self.outline(&image, x: mapX - 1, y: barY - 1, width: mapW + 2, height: Self.barHeight + 2, color: Self.frame)
            let labelW = labels.map { BitmapFont.width(of: $0, scale: Self.fontScale) }
            let xs = [mapX, mapX + (mapW - labelW[1]) / 2, mapX + mapW - labelW[2]]
            for k in 0..<3 {
                let tick = [mapX, mapX + mapW / 2, mapX + mapW - 1][k]
                image.fill(x: tick, y: barY + Self.barHeight + 1, width: 1, height: 4, color: Self.ink)
                BitmapFont.draw(labels[k], into: &image, x: xs[k], y: labelY, scale: Self.fontScale, color: Self.ink)
            }
        }
        self.image = image
        self.scale = scale
        self.pixelsPerSample = s
        self.mapX = mapX
        self.mapY = mapY
        self.barY = options.legend ? barY : nil
        self.labels = labels
    }

    /// The PNG file.
    public var png: [UInt8] { PNG.encode(image) }

    /// The pixel at the centre of sample (row, col).
    public func center(row: Int, col: Int) -> (x: Int, y: Int) {
        (mapX + col * pixelsPerSample + pixelsPerSample / 2, mapY + row * pixelsPerSample + pixelsPerSample / 2)
    }

    /// Three significant digits, as short as possible ("0.5", "2.31", "1.2E-05").
    static func label(_ v: Float) -> String {
        guard v.isFinite else { return "?" }
        return String(format: "%.3g", Double(v)).uppercased()
    }

    /// Not evaluated: a gray hatch, distinct from every colour map.
    static func hatch(_ image: inout PNG.Image, x: Int, y: Int, width: Int, height: Int) {
        for yy in y..<(y + height) {
            for xx in x..<(x + width) {
                let light = (xx + yy) % 6 < 3
                image.fill(x: xx, y: yy, width: 1, height: 1, color: light ? ColorMap.RGB(0xC8, 0xC8, 0xC8) : ColorMap.RGB(0x90, 0x90, 0x90))
            }
        }
    }

    static func outline(_ image: inout PNG.Image, x: Int, y: Int, width: Int, height: Int, color: ColorMap.RGB) {
        image.fill(x: x, y: y, width: width, height: 1, color: color)
        image.fill(x: x, y: y + height - 1, width: width, height: 1, color: color)
        image.fill(x: x, y: y, width: 1, height: height, color: color)
        image.fill(x: x + width - 1, y: y, width: 1, height: height, color: color)
    }

    /// Lines on the boundaries between black and white pattern cells (cell (r, c) covers plane
    /// rows r-0.5...r+0.5 and columns c-0.5...c+0.5), and the pattern's extent dashed; clipped to the map.
    static func drawEdges(
        of pattern: Pattern, on image: inout PNG.Image, viewport v: Viewport, mapX: Int, mapY: Int, s: Int, color: ColorMap.RGB
    ) {
        let mapW = v.cols * s, mapH = v.rows * s
        func px(_ col: Double) -> Int { mapX + Int((((col - v.centerCol) / v.zoom + Double(v.cols - 1) / 2 + 0.5) * Double(s)).rounded()) }
        func py(_ row: Double) -> Int { mapY + Int((((row - v.centerRow) / v.zoom + Double(v.rows - 1) / 2 + 0.5) * Double(s)).rounded()) }
        let cellPixels = Double(s) / v.zoom
        let width = min(3, max(1, Int(cellPixels / 10)))
        func rect(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int) {
            let cx0 = max(x0, mapX), cy0 = max(y0, mapY), cx1 = min(x1, mapX + mapW), cy1 = min(y1, mapY + mapH)
            if cx0 < cx1 && cy0 < cy1 { image.fill(x: cx0, y: cy0, width: cx1 - cx0, height: cy1 - cy0, color: color) }
        }
        func vertical(_ col: Double, _ row0: Double, _ row1: Double) {
            let x = px(col) - width / 2
            rect(x, py(row0) - width / 2, x + width, py(row1) + (width + 1) / 2)
        }
        func horizontal(_ row: Double, _ col0: Double, _ col1: Double) {
            let y = py(row) - width / 2
            rect(px(col0) - width / 2, y, px(col1) + (width + 1) / 2, y + width)
        }
        for r in 0..<pattern.height {
            for c in 0..<pattern.width {
                if c + 1 < pattern.width && pattern[r, c] != pattern[r, c + 1] {
                    vertical(Double(c) + 0.5, Double(r) - 0.5, Double(r) + 0.5)
                }
                if r + 1 < pattern.height && pattern[r, c] != pattern[r + 1, c] {
                    horizontal(Double(r) + 0.5, Double(c) - 0.5, Double(c) + 0.5)
                }
            }
        }
        // The extent, dashed: one dash per half cell.
        let top = -0.5, bottom = Double(pattern.height) - 0.5, left = -0.5, right = Double(pattern.width) - 0.5
        var t = 0.0
        while t < Double(max(pattern.width, pattern.height)) {
            let a = t, b = t + 0.25
            if left + b <= right + 1e-9 {
                horizontal(top, left + a, left + b)
                horizontal(bottom, left + a, left + b)
            }
            if top + b <= bottom + 1e-9 {
                vertical(left, top + a, top + b)
                vertical(right, top + a, top + b)
            }
            t += 0.5
        }
    }
}

extension ColorMap {
    /// A colour for lines drawn over a map in this colour map: one it does not contain.
    public var overlayColor: RGB {
        switch self {
        case .viridis, .gray: RGB(0xFF, 0x40, 0x40)
        case .diverging: RGB(0x00, 0xA0, 0x3C)
        }
    }
}
