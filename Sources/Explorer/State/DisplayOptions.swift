import MPO

/// How the map is drawn: choices of the UI alone (the session does not know them).
public struct DisplayOptions: Hashable, Sendable {
    public var metric: Heatmap.Metric = .loss
    public var colorMap: ColorMap = .viridis
    /// Ranked by default: while a plane trains, the picture shows as faint differences on a
    /// blob long before it spans the value range, and ranks make those visible.
    public var scale: Scale = .ranked
    /// Outline the target pattern's black regions on the map.
    public var showEdges = false

    public init() {}

    /// How values map onto the colour scale.
    public enum Scale: String, CaseIterable, Sendable {
        /// By rank among the values in view: equal colour steps hold equal numbers of samples,
        /// so small differences early in training (a faint picture on a flat blob) show.
        case ranked
        case linear
        /// Loss on a log scale (accuracy stays linear).
        case log

        public var next: Scale { Self.allCases[(Self.allCases.firstIndex(of: self)! + 1) % Self.allCases.count] }
    }
}
