import Engine
import Foundation

/// The session's planes and their training: the plain net's plane and its BatchNorm variant (one
/// active, each keeping its state while the other is), or a fixed direction plane shown instead;
/// training steps, throughput, the live sizing of the batch, saves and recovery files. Runs on the
/// session's compute thread only.
final class PlaneRunner {
    let options: Session.Options
    let workers: Int
    let log: SessionLog
    /// Shows what loading does now (the warm start's progress) before the plane's first snapshot.
    let loading: (String) -> Void

    var config: TrainingConfig  // of the plain variant (batchNorm may still be set by the user's preset)
    var pattern: Pattern
    var data: SessionData
    var variants: [Bool: Variant] = [:]
    /// A plane of fixed directions being shown instead of the (idle) active variant.
    var fixed: (plane: DirectionPlane, path: String)?
    var batchNorm: Bool
    var paused: Bool
    /// Successful `.save` commands so far (the UI waits for one before quitting).
    var savesCompleted = 0
    var sizing: LiveSizing
    /// Steps and scores kept for the UI's sparklines.
    static let historyLength = 300

    var active: Variant { variants[batchNorm]! }
    var isTraining: Bool { !paused && active.diverged == nil && fixed == nil }

    /// Opens `options.checkpoint` (an MPO plane or a fixed one), else makes a fresh plane.
    init(options: Session.Options, log: SessionLog, loading: @escaping (String) -> Void) throws {
        self.options = options
        self.log = log
        self.loading = loading
        workers = max(1, options.workers)
        config = options.config
        pattern = options.pattern
        batchNorm = options.config.net.batchNorm
        paused = options.startPaused
        sizing = LiveSizing(sizesBatch: options.sizesBatch && options.checkpoint == nil)
        data = try SessionData(config, evalImages: options.evalImages)
        if let path = options.checkpoint {
            switch try PlaneFile.read(path: path) {
            case .mpo(let c): try adopt(c, path: path)
            case .directions(let d): try openFixed(d, path: path)
            }
        } else {
            variants[batchNorm] = try makeVariant(batchNorm: batchNorm, state: nil)
        }
    }

    func makeVariant(batchNorm: Bool, state: Trainer.State?, unsavedSteps: Int = 0, savedPath: String? = nil) throws -> Variant {
        let c = config.with(batchNorm: batchNorm)
        let trainer = try Trainer(config: c, pattern: pattern, train: data.train, workers: workers, state: state, progress: loading)
        let recovery = options.recovery.map { TrainingLoop<Trainer>.Recovery(store: $0, plane: batchNorm ? "bn" : "plain") }
        let loop = TrainingLoop(trainer: trainer, unsavedSteps: unsavedSteps, lastSavedPath: savedPath, recovery: recovery)
        if let poison = options.poison {
            loop.fault = { step, s in if poison(step) { s.plane.parameters[s.plane.parameters.count / 2] = .nan } }
        }
        let evaluator = try Evaluator(
            net: c.net, data: data.pools[.test]!, capacity: data.pools.values.map(\.count).max(), workers: workers, compute: c.compute)
        return Variant(loop: loop, evaluator: evaluator)
    }

    /// Takes over a checkpoint's plane, pattern and net (loading its dataset if it differs).
    func adopt(_ c: Checkpoint, path: String?, unsavedSteps: Int = 0) throws {
        if c.config.dataset != config.dataset || c.config.dataDirectory != config.dataDirectory || c.config.net.inputShape != config.net.inputShape {
            data = try SessionData(c.config, evalImages: options.evalImages)
        }
        config = c.config
        config.compute = options.config.compute  // the file records what computed it; this run computes its own way
        pattern = c.pattern
        batchNorm = c.config.net.batchNorm
        fixed = nil
        discardPlanes()
        variants[batchNorm] = try makeVariant(batchNorm: batchNorm, state: c.state, unsavedSteps: unsavedSteps, savedPath: path)
    }

    // MARK: what is shown

    /// The plane the map, probes and transects evaluate now.
    var surface: any PlaneSurface {
        if let fixed { return fixed.plane }
        return active.trainer.plane.surface
    }

    /// Which plane is shown: the fixed plane's file, or the active MPO plane's trainer (a result
    /// made on another is stale).
    var identity: String {
        fixed.map { "fixed \($0.path)" } ?? "mpo \(ObjectIdentifier(active.trainer).hashValue)"
    }

    /// The view a plane starts from: the fixed plane's α, β square, or the pattern.
    var home: Viewport { fixed?.plane.frame.viewport ?? Viewport(pattern: pattern) }

    var status: Session.Status { active.diverged.map { .diverged($0) } ?? (paused ? .paused : .training) }

    // MARK: training

    /// One step of the active plane's loop (which rolls a non-finite step back), measured for the
    /// sizing, which may plan again and resize the batch; returns the step's duration. The map's
    /// `viewport` and speed go into the plan.
    func trainStep(viewport: Viewport, evalSecondsPerSampleImage: Double) -> Double {
        let v = active
        let start = Date()
        let seconds: Double
        switch v.loop.advance() {
        case .failure(let d):
            paused = true
            log.note(d.description, error: true)
            seconds = Date().timeIntervalSince(start)
        case .success(let r):
            v.history.append(r)
            if v.history.count > Self.historyLength { v.history.removeFirst(v.history.count - Self.historyLength) }
            seconds = r.seconds
        }
        if sizing.measure(active.trainer, seconds: seconds) {
            replan(viewport: viewport, evalSecondsPerSampleImage: evalSecondsPerSampleImage)
        }
        return seconds
    }

    func replan(viewport: Viewport, evalSecondsPerSampleImage: Double) {
        let t = active.trainer
        let work = LivePlan.Work(
            cellsPerStep: LiveSizing.cellsPerStep(t),
            batchSize: sizing.sizesBatch ? options.config.batchSize : t.config.batchSize, sizesBatch: sizing.sizesBatch,
            patternSamples: viewport.liveGrid(pattern: pattern, maxSamples: pattern.width * pattern.height).count,
            viewSamples: viewport.liveGrid(pattern: pattern, maxSamples: .max).count, evalImages: options.evalImages)
        guard let plan = sizing.replan(work, evalSecondsPerSampleImage: evalSecondsPerSampleImage, given: options.measurement, step: t.step) else { return }
        if sizing.sizesBatch, plan.batchSize != t.config.batchSize { resizeBatch(plan.batchSize) }
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
            sizing.trainerReplaced(by: v.trainer)
        } catch {
            config.batchSize = previous
            log.note("cannot resize the batch to \(batch): \(error)", error: true)
        }
    }

    /// The gap of the active plane at `step` (the map measured it).
    func recordScore(_ score: PatternScore, step: Int) {
        active.scores.append((step, score))
        if active.scores.count > Self.historyLength { active.scores.removeFirst() }
    }

    // MARK: publishing

    /// The planes' part of the snapshot.
    var part: Session.Snapshot.Training {
        let v = active
        var t = Session.Snapshot.Training(pattern: pattern, config: v.trainer.config)
        t.precisionChoice = options.precisionChoice
        t.parameterCount = v.trainer.layout.count
        t.step = v.trainer.step
        t.paused = paused
        // steps/s on the wall clock, map work included; cell-images/s while a step runs
        t.stepsPerSecond = paused ? 0 : v.loop.throughput.stepsPerSecond
        t.cellImagesPerSecond = v.loop.throughput.cellImagesPerSecond
        t.history = v.history
        t.scores = v.scores
        t.unsavedSteps = v.unsavedSteps
        t.lastSavedPath = v.lastSavedPath
        t.planes = planeStatuses
        t.savesCompleted = savesCompleted
        t.dataset = "\(config.dataset.rawValue) (\(data.train.count) train)"
        t.evalImages = min(options.evalImages, data.poolCount)
        t.fixedPlane = fixed.map {
            Session.FixedPlane($0.plane, path: $0.path, bnStats: v.evaluator.bnStats, bnImages: v.evaluator.recomputeImages?.count)
        }
        t.plan = sizing.plan
        t.sizesBatch = sizing.sizesBatch
        return t
    }
}
