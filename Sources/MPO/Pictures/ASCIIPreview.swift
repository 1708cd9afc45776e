/// Text pictures for headless runs: a heatmap as a density ramp (low loss = dense = black, like
/// the pattern), optionally beside the target pattern.
public enum ASCIIPreview {
    static let ramp = Array(" .:-=+*#%@")

    /// Rows of text; `lo...hi` maps to the ramp (values are -loss so black cells are dense).
    public static func render(_ values: [Float], rows: Int, cols: Int, lo: Float, hi: Float) -> [String] {
        (0..<rows).map { r in
            String((0..<cols).map { c -> Character in
                let v = values[r * cols + c]
                guard v.isFinite else { return "?" }
                let t = min(max((v - lo) / max(hi - lo, 1e-9), 0), 1)
                return ramp[min(ramp.count - 1, Int(t * Float(ramp.count - 1) + 0.5))]
            })
        }
    }

    /// Loss heatmap (clamped to [0, clip]) next to the pattern.
    public static func lossBesidePattern(_ loss: [Float], pattern: Pattern, clip: Float) -> String {
        let neg = loss.map { -min($0, clip) }
        let left = render(neg, rows: pattern.height, cols: pattern.width, lo: -clip, hi: 0)
        let right = (0..<pattern.height).map { r in String((0..<pattern.width).map { pattern[r, $0] ? "@" : " " }) }
        let pad = String(repeating: " ", count: max(0, pattern.width - 4))
        var out = "loss" + pad + "  | target\n"
        for (a, b) in zip(left, right) { out += a + "  | " + b + "\n" }
        return out
    }
}
