extension Session.Snapshot {
    /// The map's part (`MapRefresher`).
    public struct Map: Sendable {
        /// The map of the current viewport and split, on the grid the session evaluates (coarser
        /// than the viewport while training, finer while paused): the newest value of every sample
        /// evaluated so far, NaN where none yet. A refresh of the same grid replaces values in
        /// place, so once complete the map never has holes again. `heatmap.step` is the newest
        /// step evaluated.
        public var heatmap: Heatmap
        public var split: Session.Split = .test
        /// Step of the oldest plane behind the map at its last completion (nil until then).
        public var completeStep: Int?
        /// Fraction of the refresh in progress that is done.
        public var progress = 0.0
        /// Images of the split behind each sample.
        public var images = 0
        /// Step of the oldest sample of the map shown now, once it has every sample (a map being
        /// refreshed in place is younger than at its last completion, `completeStep`).
        public var oldestStep: Int?
        /// Seconds between the last complete maps, measured (nil before two).
        public var period: Double?
        /// While paused: refinement levels done and in all (the map then grows finer and takes
        /// more images until the last level is complete).
        public var refinedLevels = 0, refinementLevels = 0

        public init(heatmap: Heatmap) {
            self.heatmap = heatmap
        }
    }
}
