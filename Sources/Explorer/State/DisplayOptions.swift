import MPO

/// How the map is drawn: choices of the UI alone (the session does not know them).
public struct DisplayOptions: Hashable, Sendable {
    public var metric: Heatmap.Metric = .loss
    public var colorMap: ColorMap = .viridis
    /// Linear by default, loss up to the training clamp c: the bad cells' losses beyond c mean
    /// nothing, and the ranked scale spent half its colours on their order (scripts/picture-correlation.sh:
    /// the live heart and ring at 120 s correlated 0.76 and 0.75 with their patterns ranked, 0.91
    /// and 0.97 linear to c; README, "A picture that follows the fit").
    public var scale: Scale = .linear
    /// Outline the target pattern's black regions on the map.
    public var showEdges = false

    public init() {}

    /// How values map onto the colour scale: the modes of the one scale files use too.
    public typealias Scale = HeatmapScale.Mode
}
