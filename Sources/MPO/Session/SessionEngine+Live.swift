import Engine
import Foundation

/// The compute side's sizing of live work (see `LivePlan`): it measures the first steps and the
/// map's chunks, plans, resizes the trainer's batch, and says which grid the map evaluates —
/// the live grid while training, a ladder of finer grids and more images while paused.
struct LiveState {
    var plan: LivePlan?
    var sizesBatch: Bool
    /// Screen pixels per viewport sample along each axis (the UI says; 1 until it does).
    var detail = 1
    /// Recent steps of this plane: (cell-images, seconds); the first step of a trainer is left
    /// out (it warms caches and pages up).
    var steps: [(cellImages: Int, seconds: Double)] = []
    var trainer: ObjectIdentifier?
    var lastStep = -1
    var skipNextStep = true
    /// Step of the plane when the plan was made (nil: plan after the next measurements).
    var plannedAt: Int?
    var plans = 0
    /// Images behind the map's samples, and the step of the plane behind each sample.
    var mapImages = 0
    var sampleSteps: [Int] = []
    /// The images changed on the same grid: its values stay until a sweep replaces them.
    var stale = false
    /// Paused: the refinement level being made (index into `refinementLadder`).
    var level = 0
    /// Map seconds owed (positive) or overspent (negative) against the plan's share.
    var credit = 0.0
    /// When the last maps completed (for the measured period).
    var completions: [Date] = []
    /// Evaluation subsets by split and size, and the pool they were cut from.
    var subsets: [String: Dataset] = [:]

    init(sizesBatch: Bool) {
        self.sizesBatch = sizesBatch
    }
}

extension SessionEngine {
    /// Steps at the preset's batch before the first plan; then replans after `replanSteps` (with
    /// a second batch size measured, the per-step overhead is known) and every `replanEvery`.
    static let measureSteps = 4
    static let replanSteps = 20
    static let replanEvery = 100
    /// Images loaded for maps; a paused map refines up to this many (4x the live images, at
    /// most 500), and at most this much work per refinement level (sample-images).
    static func poolImages(_ evalImages: Int) -> Int { max(evalImages, min(4 * evalImages, 500)) }
    static let maxRefinementWork = 2_000_000
    static let maxRefinedSamples = 20_000

    var isTraining: Bool { !paused && active.diverged == nil && fixed == nil }

    /// Tests only: evaluate at most this many positions per chunk (so a refresh is seen in progress).
    nonisolated(unsafe) static var testingChunkPositions: Int?

    // MARK: measuring and planning

    /// After each training step: records its cost, and plans when enough is measured.
    func liveAfterStep(seconds: Double) {
        let t = active.trainer
        if live.trainer != ObjectIdentifier(t) || t.step != live.lastStep + 1 {
            // another plane (BN toggle, new pattern, opened file): measure it afresh
            live.trainer = ObjectIdentifier(t)
            live.steps = []
            live.skipNextStep = true
            live.plannedAt = nil
            live.plans = 0
        }
        live.lastStep = t.step
        live.level = 0  // the plane moved: a pause starts refining from the first level
        if live.skipNextStep {
            live.skipNextStep = false
            return
        }
        live.steps.append((cellImagesPerStep(t), seconds))
        if live.steps.count > 40 { live.steps.removeFirst() }
        let due: Bool
        if let at = live.plannedAt {
            due = t.step - at >= (live.plans == 1 ? Self.replanSteps : Self.replanEvery)
        } else {
            due = live.steps.count >= Self.measureSteps - 1
        }
        if due { replan() }
    }

    func cellImagesPerStep(_ t: Trainer) -> Int {
        (min(t.config.cells, t.good.count) + min(t.config.cells, t.bad.count)) * t.config.batchSize
    }

    var liveMeasurement: LivePlan.Measurement? {
        if let m = options.measurement { return m }
        guard let (tau, sigma) = LivePlan.trainCost(live.steps) else { return nil }
        return LivePlan.Measurement(
            trainSecondsPerCellImage: tau, stepOverheadSeconds: sigma, evalSecondsPerSampleImage: secondsPerPositionImage)
    }

    var liveWork: LivePlan.Work {
        let t = active.trainer
        let view = viewport.liveGrid(pattern: pattern, maxSamples: .max).count
        let onPattern = viewport.liveGrid(pattern: pattern, maxSamples: pattern.width * pattern.height).count
        return LivePlan.Work(
            cellsPerStep: min(t.config.cells, t.good.count) + min(t.config.cells, t.bad.count),
            batchSize: live.sizesBatch ? options.config.batchSize : t.config.batchSize,
            sizesBatch: live.sizesBatch, patternSamples: onPattern, viewSamples: view, evalImages: options.evalImages)
    }

    func replan() {
        guard let m = liveMeasurement else { return }
        let plan = LivePlan.choose(liveWork, measured: m)
        live.plan = plan
        live.plannedAt = active.trainer.step
        live.plans += 1
        if live.sizesBatch, plan.batchSize != active.trainer.config.batchSize { resizeBatch(plan.batchSize) }
        active.trainer.notes["live_plan"] = plan.json  // saved with the plane: what this machine chose
    }

    /// The active plane goes on with `batch` images per step (same plane, optimiser and RNG).
    func resizeBatch(_ batch: Int) {
        let old = active
        let previous = config.batchSize
        config.batchSize = batch  // planes made later start from it too (and are measured again)
        do {
            let v = try makeVariant(batchNorm: batchNorm, state: old.trainer.state, unsavedSteps: old.unsavedSteps, savedPath: old.lastSavedPath)
            v.history = old.history
            v.scores = old.scores
            variants[batchNorm] = v
            live.trainer = ObjectIdentifier(v.trainer)
            live.skipNextStep = true
        } catch {
            config.batchSize = previous
            note("cannot resize the batch to \(batch): \(error)", error: true)
        }
    }

    /// Seconds of map work after a training step of `seconds`, so that the map gets the plan's
    /// share of the time (before the plan: 30%).
    func mapBudget(afterStep seconds: Double) -> Double {
        let share = live.plan?.mapShare ?? 0.3
        return share / (1 - share) * seconds
    }

    // MARK: what the map evaluates

    /// The grid and images the map should have now; nil when nothing is left to do.
    func mapTarget() -> (grid: Viewport, images: Int) {
        if isTraining {
            let samples = live.plan?.mapSamples ?? pattern.width * pattern.height
            let images = live.plan?.mapImages ?? min(LivePlan.Goals().minimumMapImages, options.evalImages)
            return (viewport.liveGrid(pattern: pattern, maxSamples: samples), images)
        }
        let ladder = refinementLadder()
        return ladder[min(live.level, ladder.count - 1)]
    }

    /// Paused: the view's own grid, then 2x2 and up to `detail` x `detail` samples per sample,
    /// then more images.
    func refinementLadder() -> [(grid: Viewport, images: Int)] {
        let images = min(options.evalImages, poolCount)
        var out = [(grid: viewport, images: images)]
        for f in Set([2, live.detail]).sorted() where f >= 2 && f <= live.detail {
            let grid = viewport.refined(by: f)
            if grid.count <= Self.maxRefinedSamples && grid.count * images <= Self.maxRefinementWork { out.append((grid, images)) }
        }
        let more = min(poolCount, max(images, Self.maxRefinementWork / max(1, out.last!.grid.count)))
        if more >= images + images / 2 { out.append((out.last!.grid, more)) }
        return out
    }

    var poolCount: Int { evalSets[.test]!.count }

    /// The first `images` of a split's evaluation pool (cut once).
    func evalData(_ split: Split, images: Int) -> Dataset {
        let pool = evalSets[split]!
        guard images < pool.count else { return pool }
        let key = "\(split.rawValue) \(images) \(pool.name) \(pool.count) \(pool.images.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) })"
        if let d = live.subsets[key] { return d }
        let d = pool.prefix(images)
        if live.subsets.count > 8 { live.subsets.removeAll() }
        live.subsets[key] = d
        return d
    }

    /// The next refresh of the map: in place (row by row, values kept until replaced) when the
    /// grid and images are those of the complete map now; else a new grid, coarse to fine.
    /// nil when the map is current (paused and refined to the last level, or no new step).
    func nextMapJob() -> EvalJob? {
        let t = active.trainer
        let target = mapTarget()
        let same = map.viewport == target.grid && map.split == split && live.sampleSteps.count == map.viewport.count
        if same && live.mapImages != target.images {
            live.mapImages = target.images  // other images on the same grid: replace in place
            live.stale = true
        }
        let complete = same && !live.sampleSteps.contains(-1)
        if complete && !live.stale && live.sampleSteps.min() == t.step {
            guard !isTraining, live.level < refinementLadder().count - 1 else { return nil }
            live.level += 1  // paused and this level is done: the next, finer one
            return nextMapJob()
        }
        if !same {
            map = Heatmap(viewport: target.grid, split: split, step: t.step)
            live.mapImages = target.images
            live.sampleSteps = [Int](repeating: -1, count: target.grid.count)
            live.stale = false
        }
        let grid = target.grid
        let order: [Int]
        if complete {
            order = Array(0..<grid.count)
        } else {
            // unevaluated samples first, coarse to fine
            let progressive = HeatmapAssembler.coarseToFine(rows: grid.rows, cols: grid.cols)
            order = progressive.filter { live.sampleSteps[$0] < 0 } + progressive.filter { live.sampleSteps[$0] >= 0 }
        }
        map.step = t.step
        return EvalJob(
            kind: .map, assembler: HeatmapAssembler(viewport: grid, surface: surface, order: order), step: t.step, split: split,
            images: target.images)
    }

    /// The map's samples at the pattern's cells when it is of the test split and has them all.
    var mapPatternSamples: [Int]? {
        split == .test && fixed == nil ? map.viewport.samples(atCellsOf: pattern) : nil
    }

    /// Will the map give the gap (so no separate score job is needed)?
    var mapGivesScore: Bool { split == .test && fixed == nil && mapTarget().grid.samples(atCellsOf: pattern) != nil }

    /// A map refresh is done: the step of its oldest sample, the period, and the gap when the
    /// map holds every pattern cell.
    func finishMap() {
        guard !live.sampleSteps.contains(-1), let oldest = live.sampleSteps.min() else { return }
        completeStep = oldest
        live.stale = false
        live.completions.append(Date())
        if live.completions.count > 4 { live.completions.removeFirst() }
        if let cells = mapPatternSamples {
            let step = cells.map { live.sampleSteps[$0] }.min()!
            if step > (active.scores.last?.step ?? -1) {
                recordScore(PatternScore(pattern: pattern, loss: cells.map { map.loss[$0] }, accuracy: cells.map { map.accuracy[$0] }), step: step)
            }
        }
    }

    var liveStatus: LiveStatus {
        var s = LiveStatus()
        s.plan = live.plan
        s.sizesBatch = live.sizesBatch
        s.batchSize = active.trainer.config.batchSize
        s.mapRows = map.viewport.rows
        s.mapCols = map.viewport.cols
        s.mapImages = live.mapImages
        if completeStep != nil, !live.sampleSteps.isEmpty, !live.sampleSteps.contains(-1) { s.oldestStep = live.sampleSteps.min() }
        if live.completions.count >= 2 {
            s.mapSeconds = live.completions.last!.timeIntervalSince(live.completions.first!) / Double(live.completions.count - 1)
        }
        if !isTraining {
            let ladder = refinementLadder()
            s.refinementLevels = ladder.count
            let done = ladder.firstIndex { $0.grid == map.viewport && $0.images == live.mapImages }
            let complete = !live.sampleSteps.contains(-1) && !live.stale && live.sampleSteps.min() == active.trainer.step
            s.refinedLevels = done.map { $0 + (complete ? 1 : 0) } ?? 0
        }
        return s
    }
}

extension Session {
    /// Images of each split a session loads for maps given `evalImages` (a paused map refines
    /// with up to this many): for memory estimates.
    public static func mapPoolImages(evalImages: Int) -> Int { SessionEngine.poolImages(evalImages) }
}
