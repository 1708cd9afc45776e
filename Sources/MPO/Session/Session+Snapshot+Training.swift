import Engine
import Foundation

extension Session.Snapshot {
    /// The planes' part (`PlaneRunner`): what is trained or shown, how far and how fast, the gap,
    /// the saves, and what the live work was sized to.
    public struct Training: Sendable {
        public var pattern: Pattern
        /// The active plane's configuration (its batch is the one it trains with now).
        public var config: TrainingConfig
        /// How `--precision auto` chose the compute path ("fp32 avx512bf16 (measured: bf16 0.76x)"),
        /// nil when the user named a precision.
        public var precisionChoice: String?
        public var parameterCount = 0
        public var step = 0
        public var paused = false
        public var stepsPerSecond = 0.0
        public var cellImagesPerSecond = 0.0
        /// Recent steps, oldest first (for sparklines).
        public var history: [Trainer.StepResult] = []
        /// The gap (test, pattern cells) over time: (step, score).
        public var scores: [(step: Int, score: PatternScore)] = []
        /// Steps trained since the active plane was last saved or opened.
        public var unsavedSteps = 0
        public var lastSavedPath: String?
        /// Both planes (plain first; the BatchNorm one once it exists).
        public var planes: [Session.PlaneStatus] = []
        /// `.save` commands that saved every plane they were asked to.
        public var savesCompleted = 0
        public var dataset: String = ""
        /// Images of each split behind a probe.
        public var evalImages = 0
        /// A plane of fixed directions shown instead of a trained one (nil: an MPO plane).
        public var fixedPlane: Session.FixedPlane?
        /// What the live work was sized to (`LivePlan`); nil while the first steps are measured.
        public var plan: LivePlan?
        /// The plan chose the images per step (false: they are the user's or a checkpoint's).
        public var sizesBatch = true

        public init(pattern: Pattern, config: TrainingConfig) {
            self.pattern = pattern
            self.config = config
        }

        /// The GEMM precision and ISA level the engine computes with.
        public var compute: Compute { config.compute }
        public var precision: String { config.compute.precision.rawValue }
        public var batchNorm: Bool { config.net.batchNorm }
        /// Unsaved steps of every plane.
        public var totalUnsavedSteps: Int { planes.isEmpty ? unsavedSteps : planes.map(\.unsavedSteps).reduce(0, +) }
        public var latestScore: PatternScore? { scores.last?.score }
        /// Where the view starts and what its coordinates are called: the pattern, or the fixed
        /// plane's α, β square.
        public var frame: PlaneFrame { fixedPlane?.frame ?? PlaneFrame(pattern: pattern) }
    }
}
