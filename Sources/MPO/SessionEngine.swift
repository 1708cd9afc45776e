import Engine
import Foundation

/// The compute side of a `Session`: owns the trainers, evaluators and data, and runs on the
/// session's compute thread only.
final class SessionEngine {
    unowned let session: Session
    let options: Session.Options
    let workers: Int

    /// One plane and what belongs to it: the plain net's or the BatchNorm variant's.
    final class Variant {
        let trainer: Trainer
        let evaluator: Evaluator
        var unsavedSteps = 0
        var lastSavedPath: String?
        var history: [Trainer.StepResult] = []
        var scores: [(step: Int, score: PatternScore)] = []
        var diverged: String?

        init(trainer: Trainer, evaluator: Evaluator) {
            self.trainer = trainer
            self.evaluator = evaluator
        }
    }

    var config: TrainingConfig  // of the plain variant (batchNorm may still be set by the user's preset)
    var pattern: Pattern
    var train: Dataset
    var evalSets: [Split: Dataset]
    var variants: [Bool: Variant] = [:]
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
    var messages: [Session.Message] = []
    var recentSeconds: [Double] = []
    /// When the recent steps finished: steps/s is measured on the wall clock, map work included.
    var recentStepTimes: [Date] = []
    var recentCellImages: [Int] = []
    /// Seconds per evaluated position and image, measured (for sizing chunks).
    var secondsPerPositionImage = 2e-5
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
            let c = try Checkpoint.read(path: path)
            try adopt(c, path: path)
        } else {
            variants[batchNorm] = try makeVariant(batchNorm: batchNorm, state: nil)
        }
    }

    static func loadData(_ config: TrainingConfig, evalImages: Int) throws -> (Dataset, [Split: Dataset]) {
        let train = try config.dataset.load(.train, from: config.dataDirectory)
        let test = try config.dataset.load(.test, from: config.dataDirectory)
        return (train, [.train: train.prefix(evalImages), .test: test.prefix(evalImages)])
    }

    func makeVariant(batchNorm: Bool, state: Trainer.State?) throws -> Variant {
        let c = config.with(batchNorm: batchNorm)
        let trainer = try Trainer(config: c, pattern: pattern, train: train, workers: workers, state: state)
        let evaluator = try Evaluator(net: c.net, data: evalSets[.test]!, capacity: evalSets.values.map(\.count).max(), workers: workers)
        return Variant(trainer: trainer, evaluator: evaluator)
    }

    /// Takes over a checkpoint's plane, pattern and net (loading its dataset if it differs).
    func adopt(_ c: Checkpoint, path: String) throws {
        if c.config.dataset != config.dataset || c.config.dataDirectory != config.dataDirectory || c.config.net.inputShape != config.net.inputShape {
            (train, evalSets) = try Self.loadData(c.config, evalImages: options.evalImages)
        }
        config = c.config
        pattern = c.pattern
        batchNorm = c.config.net.batchNorm
        variants = [:]
        let v = try makeVariant(batchNorm: batchNorm, state: c.state)
        v.lastSavedPath = path
        variants[batchNorm] = v
        viewport = Viewport(pattern: pattern)
        resetMap()
    }

    // MARK: the loop

    func run() {
        publishAll()
        while true {
            let (commands, quit) = session.takeCommands()
            if quit { return }
            for c in commands { handle(c) }
            if !commands.isEmpty { publishAll() }

            if let p = probeRequest {
                probeRequest = nil
                runProbe(p)
                publishAll()
            }
            var budget = 0.2
            if !paused && active.diverged == nil {
                let seconds = trainStep()
                // 0.7 s of map work per second of training: ~59% of the cores train, which keeps the
                // live preset above 4 steps/s on two cores while the map refreshes progressively.
                budget = 0.7 * seconds
                publishAll()
            }
            let worked = evaluate(for: budget)
            if paused || active.diverged != nil, !worked, probeRequest == nil {
                session.waitForCommand(seconds: 0.5)
            }
        }
    }

    /// Tests only (ReliabilityTests): true for a step after which a NaN is put into the plane,
    /// as a real divergence would, to prove the check below catches it.
    nonisolated(unsafe) static var testingPoison: ((_ step: Int) -> Bool)?

    /// One training step with divergence protection; returns its duration.
    func trainStep() -> Double {
        let v = active
        let before = v.trainer.state
        let r = v.trainer.step()
        if let poison = Self.testingPoison, poison(r.step) {
            var s = v.trainer.state
            s.plane.parameters[s.plane.parameters.count / 2] = .nan
            v.trainer.restore(s)
        }
        let finite = r.objective.isFinite && v.trainer.plane.parameters.allSatisfy(\.isFinite)
        guard finite else {
            v.trainer.restore(before)
            v.diverged = "training diverged at step \(r.step) (objective \(r.objective)); kept step \(before.adam.step)"
            paused = true
            note(v.diverged!, error: true)
            return r.seconds
        }
        v.unsavedSteps += 1
        v.history.append(r)
        if v.history.count > Self.historyLength { v.history.removeFirst(v.history.count - Self.historyLength) }
        recentSeconds.append(r.seconds)
        recentStepTimes.append(Date())
        if recentStepTimes.count > 21 { recentStepTimes.removeFirst() }
        recentCellImages.append(r.cellImages)
        if recentSeconds.count > 20 {
            recentSeconds.removeFirst()
            recentCellImages.removeFirst()
        }
        return r.seconds
    }

    // MARK: evaluation

    /// Positions to evaluate, with where each result goes.
    struct EvalJob {
        enum Kind { case map, score }
        var kind: Kind
        var plane: Plane
        var axes: Plane.Axes
        var step: Int
        var split: Split
        var positions: [(row: Double, col: Double)]
        var targets: [Int]  // map sample index (map) or pattern cell index (score)
        var next = 0
        var loss: [Float] = []
        var accuracy: [Float] = []
        var done: Bool { next >= positions.count }
    }

    func resetMap() {
        map = Heatmap(viewport: viewport, split: split, step: active.trainer.step)
        completeStep = nil
        job = nil
    }

    /// Samples of a viewport, coarse to fine: every 4th, then every 2nd, then the rest — an early
    /// blurred picture that sharpens.
    static func progressiveOrder(rows: Int, cols: Int) -> [Int] {
        var order: [Int] = [], seen = [Bool](repeating: false, count: rows * cols)
        for stride in [4, 2, 1] {
            for i in Swift.stride(from: 0, to: rows, by: stride) {
                for j in Swift.stride(from: 0, to: cols, by: stride) where !seen[i * cols + j] {
                    seen[i * cols + j] = true
                    order.append(i * cols + j)
                }
            }
        }
        return order
    }

    func newMapJob() -> EvalJob {
        let t = active.trainer
        let order = Self.progressiveOrder(rows: viewport.rows, cols: viewport.cols)
        let positions = order.map { viewport.position(row: $0 / viewport.cols, col: $0 % viewport.cols) }
        map.step = t.step
        return EvalJob(kind: .map, plane: t.plane, axes: t.plane.axes(), step: t.step, split: split, positions: positions, targets: order)
    }

    func newScoreJob() -> EvalJob {
        let t = active.trainer
        let cells = (0..<(pattern.width * pattern.height))
        return EvalJob(
            kind: .score, plane: t.plane, axes: t.plane.axes(), step: t.step, split: .test,
            positions: cells.map { (Double($0 / pattern.width), Double($0 % pattern.width)) }, targets: Array(cells))
    }

    /// Evaluates for about `budget` seconds; false when there was nothing to do.
    func evaluate(for budget: Double) -> Bool {
        let start = Date()
        var worked = false
        while Date().timeIntervalSince(start) < budget {
            if session.hasPendingCommands() { break }
            let step = active.trainer.step
            let lastScore = active.scores.last?.step ?? -Self.scoreEvery
            if scoreJob == nil, step - lastScore >= Self.scoreEvery || active.scores.isEmpty, !(mapCoversPatternOnTest && job != nil) {
                scoreJob = newScoreJob()
            }
            if scoreJob != nil {
                runChunk(&scoreJob!)
                worked = true
                if scoreJob!.done { finishScore(scoreJob!); scoreJob = nil }
                publishAll()
                continue
            }
            if job == nil {
                guard completeStep != step else { break }  // map is current
                job = newMapJob()
            }
            runChunk(&job!)
            worked = true
            if job!.done {
                completeStep = job!.step
                if mapCoversPatternOnTest, active.scores.last?.step != job!.step {
                    recordScore(PatternScore(pattern: pattern, loss: map.loss, accuracy: map.accuracy), step: job!.step)
                }
                job = nil
            }
            publishAll()
        }
        return worked
    }

    /// The map is exactly the pattern's cells on the test split: its values give the gap for free.
    var mapCoversPatternOnTest: Bool { split == .test && viewport == Viewport(pattern: pattern) }

    func runChunk(_ job: inout EvalJob) {
        let data = evalSets[job.split]!
        let perPosition = max(secondsPerPositionImage * Double(data.count), 1e-6)
        // about 0.1 s per chunk so commands are picked up quickly, in whole rounds of workers
        var count = max(workers, Int(0.1 / perPosition) / workers * workers)
        count = min(count, job.positions.count - job.next)
        let range = job.next..<(job.next + count)
        let t0 = Date()
        let values = active.evaluator.evaluate(plane: job.plane, axes: job.axes, at: Array(job.positions[range]), data: data)
        let seconds = Date().timeIntervalSince(t0)
        secondsPerPositionImage = 0.7 * secondsPerPositionImage + 0.3 * seconds / Double(count * data.count)
        for (k, v) in zip(range, values) {
            if job.kind == .map {
                map.loss[job.targets[k]] = v.loss
                map.accuracy[job.targets[k]] = v.accuracy
            } else {
                job.loss.append(v.loss)
                job.accuracy.append(v.accuracy)
            }
        }
        job.next += count
    }

    func finishScore(_ job: EvalJob) {
        recordScore(PatternScore(pattern: pattern, loss: job.loss, accuracy: job.accuracy), step: job.step)
    }

    func recordScore(_ score: PatternScore, step: Int) {
        active.scores.append((step, score))
        if active.scores.count > Self.historyLength { active.scores.removeFirst() }
    }

    func runProbe(_ p: (row: Double, col: Double)) {
        let v = active
        let plane = v.trainer.plane
        let axes = plane.axes()
        let tr = v.evaluator.evaluate(plane: plane, axes: axes, at: [p], data: evalSets[.train]!)[0]
        let te = v.evaluator.evaluate(plane: plane, axes: axes, at: [p], data: evalSets[.test]!)[0]
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
        let seconds = recentSeconds.reduce(0, +)
        let status: Session.Status = v.diverged.map { .diverged($0) } ?? (paused ? .paused : .training)
        let progress = job.map { Double($0.next) / Double(max(1, $0.positions.count)) } ?? 1
        session.publish { s in
            s.status = status
            s.pattern = pattern
            s.config = v.trainer.config
            s.parameterCount = v.trainer.layout.count
            s.step = v.trainer.step
            s.paused = paused
            if paused || recentStepTimes.count < 2 {
                s.stepsPerSecond = 0
            } else {
                let span = recentStepTimes.last!.timeIntervalSince(recentStepTimes.first!)
                s.stepsPerSecond = span > 0 ? Double(recentStepTimes.count - 1) / span : 0
            }
            // Training throughput while a step runs (the map's share of the cores excluded).
            s.cellImagesPerSecond = seconds > 0 ? Double(recentCellImages.reduce(0, +)) / seconds : 0
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
            s.dataset = "\(config.dataset.rawValue) (\(train.count) train)"
            s.evalImages = evalSets[.test]!.count
        }
    }
}
