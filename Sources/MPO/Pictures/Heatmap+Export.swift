import Foundation

/// A heatmap as data files: CSV of the values, PGM of their tones.
extension Heatmap {
    /// Plane positions as a table: the first line gives the plane column (α of a direction plane)
    /// of each sample, each following line starts with its plane row (β). `#` lines before it
    /// describe the viewport, the metric and whatever `notes` add (pandas:
    /// `read_csv(f, comment="#", index_col=0)`).
    public func csv(_ metric: Metric, notes: [String] = [], frame: PlaneFrame? = nil) -> String {
        let v = viewport
        let cells = (frame?.axes ?? .cells) == .cells
        func number(_ x: Double) -> String { String(format: "%.6g", x) }
        var s = "# LossPatterns heatmap: \(split.rawValue) \(metric.rawValue), plane step \(step)\n"
        for note in notes { s += "# \(note)\n" }
        s += "# viewport: center \(number(v.centerRow)),\(number(v.centerCol)) zoom \(number(v.zoom)) rows \(v.rows) cols \(v.cols);"
        s += cells ? " first column = plane row, first line = plane column (pattern cell units)\n"
            : " first column = beta, first line = alpha (w = origin + alpha d1 + beta d2)\n"
        s += (cells ? "row\\col," : "beta\\alpha,") + (0..<v.cols).map { number(v.position(row: 0, col: $0).col) }.joined(separator: ",") + "\n"
        let values = self.values(metric)
        for i in 0..<v.rows {
            let row = v.position(row: i, col: 0).row
            s += number(cells || row == 0 ? row : -row) + ","
            s += (0..<v.cols).map { j -> String in
                let x = values[i * v.cols + j]
                return x.isNaN ? "nan" : String(format: "%.6g", Double(x))
            }.joined(separator: ",") + "\n"
        }
        return s
    }

    /// A gray PGM: tone 0 (good) black to 1 white, NaN mid-gray; one pixel per sample unless
    /// `pixelsPerSample` says otherwise. P5 (binary) or P2 (`plain`, text).
    public func pgm(_ scale: HeatmapScale, plain: Bool = false, pixelsPerSample s: Int = 1) -> [UInt8] {
        let s = max(1, s)
        let values = self.values(scale.metric)
        let w = viewport.cols * s, h = viewport.rows * s
        var gray = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let t = scale.tone(values[(y / s) * viewport.cols + x / s])
                gray[y * w + x] = t.map { UInt8(($0 * 255).rounded()) } ?? 128
            }
        }
        let comment = "# LossPatterns heatmap: \(split.rawValue) \(scale.metric.rawValue), dark = good, range \(scale.range.lowerBound)...\(scale.range.upperBound)\(scale.logarithmic ? " (log)" : "")\n"
        if plain {
            var text = "P2\n\(comment)\(w) \(h)\n255\n"
            for y in 0..<h {
                text += (0..<w).map { String(gray[y * w + $0]) }.joined(separator: " ") + "\n"
            }
            return Array(text.utf8)
        }
        return Array("P5\n\(comment)\(w) \(h)\n255\n".utf8) + gray
    }
}
