/// A one-line chart of a series, newest at the right.
enum Sparkline {
    /// `width` bars; longer series are averaged into buckets, shorter ones right-aligned.
    static func bars(_ values: [Double], width: Int, glyphs: Glyphs) -> String {
        let finite = values.filter(\.isFinite)
        guard width > 0, !finite.isEmpty else { return "" }
        var buckets: [Double] = []
        if values.count <= width {
            buckets = values
        } else {
            for b in 0..<width {
                let lo = b * values.count / width, hi = max(lo + 1, (b + 1) * values.count / width)
                let slice = values[lo..<hi].filter(\.isFinite)
                buckets.append(slice.isEmpty ? .nan : slice.reduce(0, +) / Double(slice.count))
            }
        }
        let lo = finite.min()!, hi = finite.max()!
        let levels = glyphs.bars
        var s = String.UnicodeScalarView()
        for v in buckets {
            guard v.isFinite else { s.append(" "); continue }
            let t = hi > lo ? (v - lo) / (hi - lo) : 0.5
            s.append(levels[min(levels.count - 1, max(0, Int((t * Double(levels.count - 1)).rounded())))])
        }
        return String(s)
    }
}
