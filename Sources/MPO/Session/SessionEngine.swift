import Engine
import Foundation

/// The compute side of a `Session`: owns the trainers, evaluators and data, and runs on the
/// session's compute thread only.
final class SessionEngine {
    unowned let session: Session
    let options: Session.Options
    let workers: Int

    /// One plane and what belongs to it: the plain net's or the BatchNorm variant's. Its
    /// training loop keeps the steps, divergence, saves and recovery file.
    final class Variant {
        let loop: TrainingLoop<Trainer>
        let evaluator: Evaluator
        var history: [Trainer.StepResult] = []
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

    var config: TrainingConfig  // of the plain variant (batchNorm may still be set by the user's preset)
    var pattern: Pattern
    var train: Dataset
    var evalSets: [Split: Dataset]
    var variants: [Bool: Variant] = [:]
    /// A plane of fixed directions being shown instead of the (idle) active variant.
    var fixed: (plane: DirectionPlane, path: String)?
    var batchNorm: Bool
    var paused: Bool
    var viewport: Viewport
    var split: Split = .test
    var map: Heatmap
    var completeStep: Int?
    var job: EvalJob?
    var scoreJob: EvalJob?
    var probeRequest: (row: Double, col: Double)?
    var probe: Session.Probe?
    var transect = TransectState()
    var messages: [Session.Message] = []
    /// Successful `.save` commands so far (the UI waits for one before quitting).
    var savesCompleted = 0
    /// Seconds per evaluated position and image, measured (for sizing chunks and the live plan).
    var secondsPerPositionImage = 2e-5
    /// The live work's sizing and the map's grids (SessionEngine+Live.swift).
    lazy var live = LiveState(sizesBatch: options.sizesBatch && options.checkpoint == nil)
    static let scoreEvery = 50
    static let historyLength = 300

    var active: Variant { variants[batchNorm]! }

    init(session: Session, options: Session.Options) throws {
        self.session = session
        self.options = options
        workers = max(1, options.workers)
        config = options.config
        pattern = options.pattern
        batchNorm = options.config.net.batchNorm
        paused = options.startPaused
        viewport = Viewport(pattern: options.pattern)
        map = Heatmap(viewport: viewport, split: .test, step: 0)
        (train, evalSets) = try Self.loadData(config, evalImages: options.evalImages)
        if let path = options.checkpoint {
            switch try PlaneFile.read(path: path) {
            case .mpo(let c): try adopt(c, path: path)
            case .directions(let d): try openFixed(d, path: path)
            }
        } else {
            variants[batchNorm] = try makeVariant(batchNorm: batchNorm, state: nil)
        }
    }

    static func loadData(_ config: TrainingConfig, evalImages: Int) throws -> (Dataset, [Split: Dataset]) {
        let train = try config.dataset.load(.train, from: config.dataDirectory)
        let test = try config.dataset.load(.test, from: config.dataDirectory)
        // the pool a paused map refines with; live maps, probes and the gap take its first images
        let pool = poolImages(evalImages)
        return (train, [.train: train.prefix(pool), .test: test.prefix(pool)])
    }

    func makeVariant(batchNorm: Bool, state: Trainer.State?, unsavedSteps: Int = 0, savedPath: String? = nil) throws -> Variant {
        let c = config.with(batchNorm: batchNorm)
        let trainer = try Trainer(config: c, pattern: pattern, train: train, workers: workers, state: state) { [unowned self] text in
            note(text)
            session.publish { $0.loadingText = text; $0.messages = self.messages }
        }
        let recovery = options.recovery.map { TrainingLoop<Trainer>.Recovery(store: $0, plane: batchNorm ? "bn" : "plain") }
        let loop = TrainingLoop(trainer: trainer, unsavedSteps: unsavedSteps, lastSavedPath: savedPath, recovery: recovery)
        if let poison = Self.testingPoison {
            loop.fault = { step, s in if poison(step) { s.plane.parameters[s.plane.parameters.count / 2] = .nan } }
        }
        let evaluator = try Evaluator(
            net: c.net, data: evalSets[.test]!, capacity: evalSets.values.map(\.count).max(), workers: workers, compute: c.compute)
        return Variant(loop: loop, evaluator: evaluator)
    }

    /// Takes over a checkpoint's plane, pattern and net (loading its dataset if it differs).
    func adopt(_ c: Checkpoint, path: String?, unsavedSteps: Int = 0) throws {
        if c.config.dataset != config.dataset || c.config.dataDirectory != config.dataDirectory || c.config.net.inputShape != config.net.inputShape {
            (train, evalSets) = try Self.loadData(c.config, evalImages: options.evalImages)
        }
        config = c.config
        config.compute = options.config.compute  // the file records what computed it; this run computes its own way
        pattern = c.pattern
        batchNorm = c.config.net.batchNorm
        fixed = nil
        discardPlanes()
        variants[batchNorm] = try makeVariant(batchNorm: batchNorm, state: c.state, unsavedSteps: unsavedSteps, savedPath: path)
        viewport = Viewport(pattern: pattern)
        resetMap()
    }

    // MARK: the loop

    func run() {
        publishAll()
        while true {
            let (commands, quit) = session.takeCommands()
            if quit { return finish() }
            for c in commands { handle(c) }
            keepRecovery()
            if !commands.isEmpty { publishAll() }

            if let p = probeRequest {
                probeRequest = nil
                runProbe(p)
                publishAll()
            }
            if transectDue {
                runTransect()
                publishAll()
            }
            var budget = 0.2
            if isTraining {
                let seconds = trainStep()
                liveAfterStep(seconds: seconds)
                budget = mapBudget(afterStep: seconds)  // the plan's share of the cores for the map
                publishAll()
            }
            let worked = evaluate(for: budget)
            if !isTraining, !worked, probeRequest == nil {
                session.waitForCommand(seconds: 0.5)
            }
        }
    }

    /// Tests only (ReliabilityTests): true for a step after which the planes made from now on
    /// get a NaN, as a real blow-up would (`TrainingLoop.fault`).
    nonisolated(unsafe) static var testingPoison: ((_ step: Int) -> Bool)?

    /// One step of the active plane's loop (which rolls a non-finite step back); returns its duration.
    func trainStep() -> Double {
        let v = active
        let start = Date()
        switch v.loop.advance() {
        case .failure(let d):
            paused = true
            note(d.description, error: true)
            return Date().timeIntervalSince(start)
        case .success(let r):
            v.history.append(r)
            if v.history.count > Self.historyLength { v.history.removeFirst(v.history.count - Self.historyLength) }
            return r.seconds
        }
    }

    // MARK: evaluation

    /// A refresh under way: of the map (filling `map`) or of the gap (filling `cells`, the
    /// pattern's cells at one sample each).
    struct EvalJob {
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
        /// A score job's values (a map job fills the engine's `map`).
        var cells: Heatmap?
        var done: Bool { assembler.done }
    }

    func resetMap() {
        map = Heatmap(viewport: viewport, split: split, step: active.trainer.step)
        completeStep = nil
        job = nil
        live.sampleSteps = []
        live.level = 0
        live.completions = []
    }

    func newScoreJob() -> EvalJob {
        let t = active.trainer
        let cells = Viewport(pattern: pattern)  // sample (r, c) at pattern cell (r, c)
        return EvalJob(
            kind: .score, assembler: HeatmapAssembler(viewport: cells, surface: t.plane.surface), step: t.step, split: .test,
            images: mapTarget().images, cells: Heatmap(viewport: cells, split: .test, step: t.step))
    }

    /// Evaluates for about `budget` seconds (while training, plus what earlier calls owe or
    /// overspent, so the map gets the plan's share on average); false when there was nothing to do.
    func evaluate(for budget: Double) -> Bool {
        let start = Date()
        let limit = budget + (isTraining ? live.credit : 0)
        var worked = false
        while Date().timeIntervalSince(start) < limit {
            if session.hasPendingCommands() { break }
            let step = active.trainer.step
            let lastScore = active.scores.last?.step ?? -Self.scoreEvery
            // the gap comes with every map of the pattern's cells; otherwise from a job of its own
            if scoreJob == nil, fixed == nil, step - lastScore >= Self.scoreEvery || active.scores.isEmpty, !mapGivesScore {
                scoreJob = newScoreJob()
            }
            if scoreJob != nil {
                runChunk(&scoreJob!, within: limit - Date().timeIntervalSince(start))
                worked = true
                if scoreJob!.done { finishScore(scoreJob!); scoreJob = nil }
                publishAll()
                continue
            }
            if job == nil {
                guard let next = nextMapJob() else { break }  // the map is current
                job = next
            }
            runChunk(&job!, within: limit - Date().timeIntervalSince(start))
            worked = true
            if job!.done {
                finishMap()
                job = nil
            }
            publishAll()
        }
        if isTraining { live.credit = max(-0.5, min(0.5, limit - Date().timeIntervalSince(start))) }
        return worked
    }

    func runChunk(_ job: inout EvalJob, within seconds: Double = 0.1) {
        let data = evalData(job.split, images: job.images)
        let perPosition = max(secondsPerPositionImage * Double(data.count), 1e-6)
        if job.kind == .map && isTraining {
            // each chunk from the newest plane: no sample on screen is older than one refresh
            let t = active.trainer
            if t.step != job.step { (job.assembler.surface, job.step) = (t.plane.surface, t.step) }
        }
        // at most 0.1 s per chunk so commands are picked up quickly, in whole rounds of workers
        var count = max(workers, Int(min(0.1, max(0.02, seconds)) / perPosition) / workers * workers)
        if let n = Self.testingChunkPositions { count = min(count, n) }
        count = min(count, job.assembler.remaining)
        let t0 = Date()
        if job.kind == .map {
            for i in job.assembler.fill(&map, count: count, evaluator: active.evaluator, data: data) { live.sampleSteps[i] = job.step }
        } else {
            job.assembler.fill(&job.cells!, count: count, evaluator: active.evaluator, data: data)
        }
        let seconds = Date().timeIntervalSince(t0)
        secondsPerPositionImage = 0.7 * secondsPerPositionImage + 0.3 * seconds / Double(count * data.count)
    }

    func finishScore(_ job: EvalJob) {
        recordScore(PatternScore(pattern: pattern, loss: job.cells!.loss, accuracy: job.cells!.accuracy), step: job.step)
    }

    func recordScore(_ score: PatternScore, step: Int) {
        active.scores.append((step, score))
        if active.scores.count > Self.historyLength { active.scores.removeFirst() }
    }

    func runProbe(_ p: (row: Double, col: Double)) {
        let v = active
        let plane = surface
        let tr = v.evaluator.evaluate(plane, at: [p], data: evalData(.train, images: options.evalImages))[0]
        let te = v.evaluator.evaluate(plane, at: [p], data: evalData(.test, images: options.evalImages))[0]
        probe = Session.Probe(
            row: p.row, col: p.col, step: v.trainer.step, trainLoss: tr.loss, trainAccuracy: tr.accuracy,
            testLoss: te.loss, testAccuracy: te.accuracy)
    }

    // MARK: publishing

    func note(_ text: String, error: Bool = false) {
        messages.append(Session.Message(text: text, isError: error, time: Date()))
        if messages.count > 50 { messages.removeFirst() }
    }

    func publishAll() {
        let v = active
        let status: Session.Status = v.diverged.map { .diverged($0) } ?? (paused ? .paused : .training)
        let progress = job?.assembler.progress ?? 1
        session.publish { s in
            s.status = status
            s.pattern = pattern
            s.config = v.trainer.config
            s.precisionChoice = options.precisionChoice
            s.parameterCount = v.trainer.layout.count
            s.step = v.trainer.step
            s.paused = paused
            // steps/s on the wall clock, map work included; cell-images/s while a step runs
            s.stepsPerSecond = paused ? 0 : v.loop.throughput.stepsPerSecond
            s.cellImagesPerSecond = v.loop.throughput.cellImagesPerSecond
            s.history = v.history
            s.scores = v.scores
            s.split = split
            s.heatmap = map
            s.completeStep = completeStep
            s.refreshProgress = progress
            s.probe = probe
            s.messages = messages
            s.unsavedSteps = v.unsavedSteps
            s.lastSavedPath = v.lastSavedPath
            s.planes = planeStatuses
            s.savesCompleted = savesCompleted
            s.dataset = "\(config.dataset.rawValue) (\(train.count) train)"
            s.evalImages = min(options.evalImages, evalSets[.test]!.count)
            s.live = liveStatus
            s.transect = transect.profile
            s.fixedPlane = fixed.map {
                Session.FixedPlane($0.plane, path: $0.path, bnStats: v.evaluator.bnStats, bnImages: v.evaluator.recomputeImages?.count)
            }
        }
    }
}
