import Engine

/// How the live work is sized (see `LivePlan`): the first steps of each plane are measured, a plan
/// is made, and made again after `replanSteps` (with a second batch size measured, the per-step
/// overhead is known) and every `replanEvery`. The plan sets the images per step (when the session
/// may choose them) and the map's share of the time, grid and images (`MapRefresher`).
struct LiveSizing {
    /// nil while the first steps are being measured.
    var plan: LivePlan?
    /// The plan chooses the images per step (false: they are the user's or a checkpoint's).
    var sizesBatch: Bool
    /// Recent steps of this plane: (cell-images, seconds); the first step of a trainer is left
    /// out (it warms caches and pages up).
    var steps: [(cellImages: Int, seconds: Double)] = []
    /// The trainer measured, and its last step seen.
    var trainer: ObjectIdentifier?
    var lastStep = -1
    var skipNextStep = true
    /// Step of the plane when the plan was made (nil: plan after the next measurements).
    var plannedAt: Int?
    var plans = 0

    /// Steps at the preset's batch before the first plan.
    static let measureSteps = 4
    static let replanSteps = 20
    static let replanEvery = 100

    init(sizesBatch: Bool) {
        self.sizesBatch = sizesBatch
    }

    /// Records a step of `t` that took `seconds`; true when a plan is due.
    mutating func measure(_ t: Trainer, seconds: Double) -> Bool {
        if trainer != ObjectIdentifier(t) || t.step != lastStep + 1 {
            // another plane (BN toggle, new pattern, opened file): measure it afresh
            trainer = ObjectIdentifier(t)
            steps = []
            skipNextStep = true
            plannedAt = nil
            plans = 0
        }
        lastStep = t.step
        if skipNextStep {
            skipNextStep = false
            return false
        }
        steps.append((Self.cellImagesPerStep(t), seconds))
        if steps.count > 40 { steps.removeFirst() }
        if let at = plannedAt { return t.step - at >= (plans == 1 ? Self.replanSteps : Self.replanEvery) }
        return steps.count >= Self.measureSteps - 1
    }

    /// The same plane goes on in a new trainer (its batch resized): its next step is not measured.
    mutating func trainerReplaced(by t: Trainer) {
        trainer = ObjectIdentifier(t)
        skipNextStep = true
    }

    /// Cells a step of `t` trains (as many good and bad ones as it draws, where there are).
    static func cellsPerStep(_ t: Trainer) -> Int {
        min(t.cellsPerSide, t.good.count) + min(t.cellsPerSide, t.bad.count)
    }

    static func cellImagesPerStep(_ t: Trainer) -> Int { cellsPerStep(t) * t.config.batchSize }

    /// A plan for `work` from what was measured (or from `given`, a machine of known speed);
    /// nil before enough is measured. It becomes the plan of step `step`.
    mutating func replan(_ work: LivePlan.Work, evalSecondsPerSampleImage: Double, given: LivePlan.Measurement?, step: Int) -> LivePlan? {
        let measured: LivePlan.Measurement
        if let given {
            measured = given
        } else {
            guard let (tau, sigma) = LivePlan.trainCost(steps) else { return nil }
            measured = LivePlan.Measurement(
                trainSecondsPerCellImage: tau, stepOverheadSeconds: sigma, evalSecondsPerSampleImage: evalSecondsPerSampleImage)
        }
        let p = LivePlan.choose(work, measured: measured)
        plan = p
        plannedAt = step
        plans += 1
        return p
    }

    /// Seconds of map work after a training step of `seconds`, so that the map gets the plan's
    /// share of the time (before the plan: 30%).
    func mapBudget(afterStep seconds: Double) -> Double {
        let share = plan?.mapShare ?? 0.3
        return share / (1 - share) * seconds
    }
}
