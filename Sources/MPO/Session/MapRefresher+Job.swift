import Engine

extension MapRefresher {
    /// A refresh under way: of the map (filling the refresher's `map`) or of the gap (filling
    /// `cells`, the pattern's cells at one sample each).
    struct Job {
        enum Kind { case map, score }
        var kind: Kind
        /// What is evaluated — the active MPO plane (with its axes), or a fixed plane — and in
        /// which order.
        var assembler: HeatmapAssembler
        /// Step of the plane now in `assembler`.
        var step: Int
        var split: Split
        /// Images of the split's pool behind each value.
        var images: Int
        /// A score job's values (a map job fills the refresher's `map`).
        var cells: Heatmap?
        var done: Bool { assembler.done }
    }
}
