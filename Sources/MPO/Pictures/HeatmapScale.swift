import Foundation

/// How heatmap values become tones t in [0, 1] for a colour map, oriented like the pattern:
/// t = 0 is the dark end and means "good" — low loss, or high accuracy — so a trained plane
/// looks like its pattern's black cells in either metric. The one scale of every picture: the
/// explorer's map (`MapPicture`) and `mpo render`'s PNG and PGM. They differ only in how the ends
/// are chosen: `standard` (and the initialisers) for files, `onScreen` for the terminal.
public struct HeatmapScale: Hashable, Sendable {
    /// How values map onto the tones.
    public enum Mode: String, CaseIterable, Sendable {
        /// Loss from its lowest value up to the training clamp c (higher values in the end colour);
        /// accuracy from 0 to 1 on screen, over its values in files.
        case linear
        /// By rank among the values that set the scale: equal colour steps hold equal numbers of
        /// samples, so every difference shows, meaningful or not.
        case ranked
        /// Loss on a log scale (accuracy stays linear).
        case log

        public var next: Mode { Self.allCases[(Self.allCases.firstIndex(of: self)! + 1) % Self.allCases.count] }
    }

    public let metric: Heatmap.Metric
    /// `.log` only for loss.
    public let mode: Mode
    /// Values at the ends (tones 0 and 1 before the accuracy's reversal); values beyond are clamped.
    public let low: Double, high: Double
    /// The ends are one value to Float's precision (a flat map in a file): every value is mid-tone.
    let flat: Bool
    /// The values ranked among, sorted (`.ranked`).
    let sorted: [Float]
    /// The loss scale ends at the training clamp c below the highest value: more is drawn as c.
    public let clipped: Bool

    init(metric: Heatmap.Metric, mode: Mode, low: Double, high: Double, flat: Bool = false, sorted: [Float] = [], clipped: Bool = false) {
        self.metric = metric
        self.mode = mode == .log && metric == .accuracy ? .linear : mode
        self.low = low
        self.high = high
        self.flat = flat
        self.sorted = sorted
        self.clipped = clipped
    }

    /// Files' ends: `range`; a log scale cannot reach 0, so its low end is kept above 1e-4 of the
    /// high end.
    public init(metric: Heatmap.Metric, range: ClosedRange<Float>, logarithmic: Bool = false, clipped: Bool = false) {
        let log = logarithmic && metric == .loss
        let lo = log ? max(range.lowerBound, max(range.upperBound * 1e-4, 1e-6)) : range.lowerBound
        let hi = max(lo, range.upperBound)
        let flat = Double(hi) - Double(lo) <= Double(Float.ulpOfOne) * max(abs(Double(hi)), 1)
        self.init(metric: metric, mode: log ? .log : .linear, low: Double(lo), high: Double(hi), flat: flat, clipped: clipped)
    }

    /// The range of the finite values (0...1 if there are none).
    public init(fitting values: [Float], metric: Heatmap.Metric, logarithmic: Bool = false) {
        let finite = values.filter(\.isFinite)
        let range = finite.isEmpty ? 0...1 : finite.min()!...finite.max()!
        self.init(metric: metric, range: range, logarithmic: logarithmic)
    }

    /// A file's default scale: accuracy and log-scale loss over the values' range; linear loss
    /// from its minimum up to `clip` at most (the training clamp c: a bad cell's loss beyond it pushes
    /// no further, and the far corners of a plane would otherwise compress the picture into one colour).
    public static func standard(for values: [Float], metric: Heatmap.Metric, logarithmic: Bool = false, clip: Float? = nil) -> HeatmapScale {
        let scale = HeatmapScale(fitting: values, metric: metric, logarithmic: logarithmic)
        if metric == .loss, !scale.logarithmic, let clip, scale.range.upperBound > clip, scale.range.lowerBound < clip {
            return HeatmapScale(metric: metric, range: scale.range.lowerBound...clip, clipped: true)
        }
        return scale
    }

    /// The terminal's scale over the values that set it (`MapPicture`: those over the pattern):
    /// accuracy 0...1 unless ranked; loss over the finite values, linear up to the clamp `clip`
    /// at most (as `standard`), log from 1e-4 at least; never narrower than 1e-6.
    public static func onScreen(_ values: [Float], metric: Heatmap.Metric, mode: Mode, clip: Float) -> HeatmapScale {
        let mode = mode == .log && metric == .accuracy ? .linear : mode
        let finite = values.filter(\.isFinite)
        let sorted = mode == .ranked ? finite.sorted() : []
        if metric == .accuracy && mode != .ranked { return HeatmapScale(metric: metric, mode: mode, low: 0, high: 1) }
        var lo = Double(finite.min() ?? 0), hi = Double(finite.max() ?? 1), clipped = false
        if mode == .log { lo = max(lo, 1e-4); hi = max(hi, lo * 1.0001) }
        // Linear loss up to the clamp c at most: a bad cell's cross-entropy is pushed up to c and
        // no further, so beyond it differences say nothing about the fit, and scaling to the bad
        // cells' 10-70 squeezed the black and the untrained cells into the same dark colours.
        if mode == .linear && metric == .loss && lo < Double(clip) && hi > Double(clip) { (hi, clipped) = (Double(clip), true) }
        if hi - lo < 1e-6 { hi = lo + 1e-6 }
        return HeatmapScale(metric: metric, mode: mode, low: lo, high: hi, sorted: sorted, clipped: clipped)
    }

    /// Logarithmic in the value (loss only).
    public var logarithmic: Bool { mode == .log }

    /// The ends as Float (a file's scale was made from Float ends: exact).
    public var range: ClosedRange<Float> { Float(low)...Float(high) }

    /// The tone of a value; nil for NaN (not evaluated). +infinity is the worst tone of the metric.
    public func tone(_ value: Float) -> Double? {
        guard !value.isNaN else { return nil }
        let v = Double(value)
        var t: Double
        if value.isInfinite {
            t = value > 0 ? 1 : 0
        } else if mode == .ranked && sorted.count > 1 {
            // the mid-rank among the scale's values: ties (a flat region) share the middle of their ranks
            let below = Self.count(sorted) { $0 < value }, notAbove = Self.count(sorted) { $0 <= value }
            t = (Double(below) + Double(max(below, notAbove - 1))) / 2 / Double(sorted.count - 1)
        } else if flat {
            t = 0.5
        } else if mode == .log {
            t = (log(max(v, low)) - log(low)) / (log(high) - log(low))
        } else {
            t = (v - low) / (high - low)
        }
        t = min(1, max(0, t))
        return metric == .loss ? t : 1 - t
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

    /// The value shown at tone t (for legend labels): the inverse of `tone` (not of a ranked scale).
    public func value(atTone t: Double) -> Float {
        let u = metric == .loss ? t : 1 - t
        return Float(logarithmic ? exp(log(low) + u * (log(high) - log(low))) : low + u * (high - low))
    }
}
