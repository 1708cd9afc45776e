extension PlaneRunner {
    /// One plane and what belongs to it: the plain net's or the BatchNorm variant's. Its
    /// training loop keeps the steps, divergence, saves and recovery file.
    final class Variant {
        let loop: TrainingLoop<Trainer>
        let evaluator: Evaluator
        var history: [Trainer.StepResult] = []
        /// The gap (test, pattern cells) over time, as the map measured it.
        var scores: [(step: Int, score: PatternScore)] = []

        init(loop: TrainingLoop<Trainer>, evaluator: Evaluator) {
            self.loop = loop
            self.evaluator = evaluator
        }

        var trainer: Trainer { loop.trainer }
        var unsavedSteps: Int { loop.unsavedSteps }
        var lastSavedPath: String? { loop.lastSavedPath }
        var diverged: String? { loop.divergence?.description }
    }
}
