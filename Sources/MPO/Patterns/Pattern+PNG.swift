import Engine
import Foundation

/// Patterns from PNG pictures. "Ink" (1 = black = good) is the alpha channel when the image
/// uses transparency (a shape on a transparent background), else the darkness 1 - luminance;
/// it is averaged over the area each pattern cell covers, then thresholded.
extension Pattern {
    /// Imports a PNG; `width`/`height` nil: `defaultImportSize`. `invert` swaps black and white.
    public static func readPNG(
        path: String, width: Int? = nil, height: Int? = nil, threshold: Double = 0.5, invert: Bool = false
    ) throws -> Pattern {
        try fromPNG(PNG.read(path: path), path: path, width: width, height: height, threshold: threshold, invert: invert)
    }

    /// A decoded PNG as a pattern named after the file at `path` (see `readPNG`).
    public static func fromPNG(
        _ image: PNG.Image, path: String, width: Int? = nil, height: Int? = nil, threshold: Double = 0.5, invert: Bool = false
    ) throws -> Pattern {
        let size = defaultImportSize(width: image.width, height: image.height)
        let w = width ?? size.width, h = height ?? size.height
        guard (minSide...maxSide).contains(w), (minSide...maxSide).contains(h) else {
            throw DataError(path, "pattern size \(w)x\(h) is outside \(minSide)...\(maxSide) per side")
        }
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return Pattern(image: image, width: w, height: h, threshold: threshold, invert: invert, name: name)
    }

    /// The image's own size if both sides are 3...128, else the long side scaled to 32.
    public static func defaultImportSize(width: Int, height: Int) -> (width: Int, height: Int) {
        if (minSide...128).contains(width) && (minSide...128).contains(height) { return (width, height) }
        let long = Double(max(width, height))
        func side(_ v: Int) -> Int { max(minSide, Int((Double(v) * 32 / long).rounded())) }
        return (side(width), side(height))
    }

    /// A cell is black when its average ink is above `threshold` (before `invert`).
    public init(image: PNG.Image, width: Int, height: Int, threshold: Double = 0.5, invert: Bool = false, name: String = "image") {
        let ink = Self.areaResize(Self.ink(of: image), width: image.width, height: image.height, toWidth: width, toHeight: height)
        self.init(width: width, height: height, bits: ink.map { ($0 > threshold) != invert ? 1 : 0 }, name: name)
    }

    /// Ink per pixel in [0, 1], row-major.
    public static func ink(of image: PNG.Image) -> [Double] {
        let n = image.width * image.height, ch = image.channels, p = image.pixels
        let usesAlpha = image.hasAlpha && (0..<n).contains { p[$0 * ch + ch - 1] < 255 }
        return (0..<n).map { k in
            let i = k * ch
            if usesAlpha { return Double(p[i + ch - 1]) / 255 }
            let luminance = ch >= 3 ? ColorMap.RGB(p[i], p[i + 1], p[i + 2]).luminance : Double(p[i]) / 255
            return 1 - luminance
        }
    }

    /// Box-filter resampling: each target cell is the area-weighted mean of the source pixels it
    /// covers (fractional overlaps included). Separable: columns first, then rows.
    public static func areaResize(_ values: [Double], width: Int, height: Int, toWidth: Int, toHeight: Int) -> [Double] {
        precondition(values.count == width * height && toWidth > 0 && toHeight > 0)
        /// weights[t] = [(source index, overlap)] of target t's interval [t, t+1) * n / m.
        func weights(_ n: Int, _ m: Int) -> [[(Int, Double)]] {
            (0..<m).map { t in
                let a = Double(t) * Double(n) / Double(m), b = Double(t + 1) * Double(n) / Double(m)
                return (Int(a)..<min(n, Int(b.rounded(.up)))).compactMap { i in
                    let overlap = min(b, Double(i + 1)) - max(a, Double(i))
                    return overlap > 1e-12 ? (i, overlap / (b - a)) : nil
                }
            }
        }
        let wx = weights(width, toWidth), wy = weights(height, toHeight)
        var rows = [Double](repeating: 0, count: height * toWidth)  // [height, toWidth]
        for y in 0..<height {
            for (t, ws) in wx.enumerated() {
                rows[y * toWidth + t] = ws.reduce(0) { $0 + values[y * width + $1.0] * $1.1 }
            }
        }
        var out = [Double](repeating: 0, count: toHeight * toWidth)
        for (t, ws) in wy.enumerated() {
            for x in 0..<toWidth {
                out[t * toWidth + x] = ws.reduce(0) { $0 + rows[$1.0 * toWidth + x] * $1.1 }
            }
        }
        return out
    }
}
