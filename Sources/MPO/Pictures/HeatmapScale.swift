import Foundation

/// How heatmap values become tones t in [0, 1] for a colour map, oriented like the pattern:
/// t = 0 is the dark end and means "good" — low loss, or high accuracy — so a trained plane
/// looks like its pattern's black cells in either metric.
public struct HeatmapScale: Hashable, Sendable {
    public var metric: Heatmap.Metric
    /// Values at or beyond the ends are clamped.
    public var range: ClosedRange<Float>
    /// Logarithmic in the value (loss only; accuracy is always linear).
    public var logarithmic: Bool

    public init(metric: Heatmap.Metric, range: ClosedRange<Float>, logarithmic: Bool = false) {
        self.metric = metric
        self.logarithmic = logarithmic && metric == .loss
        // A log scale cannot reach 0: its low end is kept above 1e-4 of the high end.
        let lo = self.logarithmic ? max(range.lowerBound, max(range.upperBound * 1e-4, 1e-6)) : range.lowerBound
        self.range = lo...max(lo, range.upperBound)
    }

    /// The range of the finite values (0...1 if there are none).
    public init(fitting values: [Float], metric: Heatmap.Metric, logarithmic: Bool = false) {
        let finite = values.filter(\.isFinite)
        let range = finite.isEmpty ? 0...1 : finite.min()!...finite.max()!
        self.init(metric: metric, range: range, logarithmic: logarithmic)
    }

    /// The default scale of a map: accuracy and log-scale loss over the values' range; linear loss
    /// from its minimum up to `clip` at most (the training clamp c: a bad cell's loss beyond it pushes
    /// no further, and the far corners of a plane would otherwise compress the picture into one colour).
    public static func standard(for values: [Float], metric: Heatmap.Metric, logarithmic: Bool = false, clip: Float? = nil) -> HeatmapScale {
        var scale = HeatmapScale(fitting: values, metric: metric, logarithmic: logarithmic)
        if metric == .loss, !scale.logarithmic, let clip, scale.range.upperBound > clip, scale.range.lowerBound < clip {
            scale.range = scale.range.lowerBound...clip
        }
        return scale
    }

    /// The tone of a value; nil for NaN (not evaluated). +infinity is the worst tone of the metric.
    public func tone(_ value: Float) -> Double? {
        guard !value.isNaN else { return nil }
        let lo = Double(range.lowerBound), hi = Double(range.upperBound)
        var t: Double
        if value.isInfinite {
            t = value > 0 ? 1 : 0
        } else if hi - lo <= Double(Float.ulpOfOne) * max(abs(hi), 1) {
            t = 0.5
        } else if logarithmic {
            t = (log(max(Double(value), lo)) - log(lo)) / (log(hi) - log(lo))
        } else {
            t = (Double(value) - lo) / (hi - lo)
        }
        t = min(max(t, 0), 1)
        return metric == .loss ? t : 1 - t
    }

    /// The value shown at tone t (for legend labels): the inverse of `tone`.
    public func value(atTone t: Double) -> Float {
        let u = metric == .loss ? t : 1 - t
        let lo = Double(range.lowerBound), hi = Double(range.upperBound)
        return Float(logarithmic ? exp(log(lo) + u * (log(hi) - log(lo))) : lo + u * (hi - lo))
    }
}
