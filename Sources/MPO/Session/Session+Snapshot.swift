import Foundation

extension Session {
    /// Everything the UI draws, as of one moment: a part per owner on the compute side — the
    /// planes' (`training`, `PlaneRunner`), the map's (`map`, `MapRefresher`) and one per job at
    /// the cursor (`probe`, `transect`, `curvature`: `CursorJobs`) — each written whole by its owner.
    public struct Snapshot: Sendable {
        /// Increases with every change.
        public var version = 0
        public var status: Status = .loading
        /// What loading is doing now ("loading data...", the warm start's progress).
        public var loadingText = "loading data..."
        /// The session's messages, newest last.
        public var messages: [Message] = []
        /// The plane trained or shown: its net, steps, speed, gap and saves.
        public var training: Training
        /// The map of the current viewport and split.
        public var map: Map
        /// Loss and accuracy at the position last probed (nil until one is, or after the plane
        /// shown changed).
        public var probe: Probe?
        /// The profile of the transect asked for with `.setTransect` (nil until it is computed).
        public var transect: TransectProfile?
        /// The Hessian's top eigenvalue at the position asked for with `.curvature`, with its
        /// progress while Lanczos runs (nil until asked, or after the plane shown changed).
        public var curvature: Curvature?

        public init(training: Training, map: Map) {
            self.training = training
            self.map = map
        }

        /// A session's first snapshot: `pattern` trained with `config`, nothing evaluated in `heatmap`.
        public init(pattern: Pattern, config: TrainingConfig, heatmap: Heatmap) {
            self.init(training: Training(pattern: pattern, config: config), map: Map(heatmap: heatmap))
        }
    }
}
