import Engine
import Foundation

/// The map of the viewport and the gap: which grid and images the map has (the plan's live grid
/// while training; paused, a ladder of finer grids and more images), its refreshes as
/// `HeatmapAssembler` jobs run in chunks between training steps within the plan's share of the
/// time, and the gap (the pattern's cells), which comes with a map of the pattern's cells or from
/// a job of its own. It evaluates the planes of a `PlaneRunner` given to each call. Runs on the
/// session's compute thread only.
final class MapRefresher {
    let workers: Int
    /// Images of each split for a live map (the session's `evalImages`).
    let evalImages: Int
    /// At most this many positions per chunk (tests: so a refresh is seen in progress); nil: as
    /// many as fit in a chunk's time.
    let chunkPositions: Int?

    var viewport: Viewport
    var split: Split = .test
    /// Screen pixels per viewport sample along each axis (the UI says; 1 until it does).
    var detail = 1
    /// The newest value of every sample of the map's grid evaluated so far (NaN where none yet).
    var map: Heatmap
    /// Step of the oldest plane behind the map once it is complete (nil until then).
    var completeStep: Int?
    var job: Job?
    var scoreJob: Job?
    /// Images behind the map's samples, and the step of the plane behind each sample (-1: none yet).
    var images = 0
    var sampleSteps: [Int] = []
    /// The images changed on the same grid: its values stay until a sweep replaces them.
    var stale = false
    /// Paused: the refinement level being made (index into `refinementLadder`).
    var level = 0
    /// Map seconds owed (positive) or overspent (negative) against the plan's share.
    var credit = 0.0
    /// When the last maps completed (for the measured period).
    var completions: [Date] = []
    /// Seconds per evaluated position and image, measured (for sizing chunks and the live plan).
    var secondsPerPositionImage = 2e-5

    /// Steps between measurements of the gap when the map does not give it.
    static let scoreEvery = 50
    /// At most this much work per refinement level (sample-images), and this many samples.
    static let maxRefinementWork = 2_000_000
    static let maxRefinedSamples = 20_000

    init(viewport: Viewport, step: Int, options: Session.Options) {
        workers = max(1, options.workers)
        evalImages = options.evalImages
        chunkPositions = options.chunkPositions
        self.viewport = viewport
        map = Heatmap(viewport: viewport, split: .test, step: step)
    }

    /// Starts again from an empty map of `viewport` (nil: the same) for a plane at `step`.
    func reset(viewport v: Viewport? = nil, step: Int) {
        if let v { viewport = v }
        map = Heatmap(viewport: viewport, split: split, step: step)
        completeStep = nil
        job = nil
        sampleSteps = []
        level = 0
        completions = []
    }

    /// Another plane is shown (opened, toggled, fresh): an empty map of `viewport` (nil: the
    /// same), and the gap measured anew.
    func planeReplaced(viewport v: Viewport?, step: Int) {
        reset(viewport: v, step: step)
        scoreJob = nil
    }

    func setViewport(_ v: Viewport, step: Int) {
        guard v != viewport, v.rows > 0, v.cols > 0 else { return }
        reset(viewport: v, step: step)
    }

    func setSplit(_ s: Split, step: Int) {
        guard s != split else { return }
        split = s
        reset(step: step)
    }

    /// The plane moved (a training step): a pause starts refining from the first level.
    func planeMoved() {
        level = 0
    }

    // MARK: evaluating

    /// Evaluates `planes`' shown plane for about `budget` seconds (while training, plus what
    /// earlier calls owe or overspent, so the map gets the plan's share on average), stopping
    /// early when `interrupted` says so and calling `published` after each chunk; false when
    /// there was nothing to do.
    func evaluate(for budget: Double, planes: PlaneRunner, interrupted: () -> Bool, published: () -> Void) -> Bool {
        let start = Date()
        let training = planes.isTraining
        let limit = budget + (training ? credit : 0)
        var worked = false
        while Date().timeIntervalSince(start) < limit {
            if interrupted() { break }
            let v = planes.active
            let lastScore = v.scores.last?.step ?? -Self.scoreEvery
            // the gap comes with every map of the pattern's cells; otherwise from a job of its own
            if scoreJob == nil, planes.fixed == nil, v.trainer.step - lastScore >= Self.scoreEvery || v.scores.isEmpty, !givesScore(planes) {
                scoreJob = newScoreJob(planes)
            }
            if scoreJob != nil {
                runChunk(&scoreJob!, planes: planes, within: limit - Date().timeIntervalSince(start))
                worked = true
                if scoreJob!.done { finishScore(scoreJob!, planes: planes); scoreJob = nil }
                published()
                continue
            }
            if job == nil {
                guard let next = nextMapJob(planes) else { break }  // the map is current
                job = next
            }
            runChunk(&job!, planes: planes, within: limit - Date().timeIntervalSince(start))
            worked = true
            if job!.done {
                finishMap(planes)
                job = nil
            }
            published()
        }
        if training { credit = max(-0.5, min(0.5, limit - Date().timeIntervalSince(start))) }
        return worked
    }

    func runChunk(_ job: inout Job, planes: PlaneRunner, within seconds: Double = 0.1) {
        let data = planes.data.evaluation(job.split, images: job.images)
        let perPosition = max(secondsPerPositionImage * Double(data.count), 1e-6)
        if job.kind == .map && planes.isTraining {
            // each chunk from the newest plane: no sample on screen is older than one refresh
            let t = planes.active.trainer
            if t.step != job.step { (job.assembler.surface, job.step) = (t.plane.surface, t.step) }
        }
        // at most 0.1 s per chunk so commands are picked up quickly, in whole rounds of workers
        var count = max(workers, Int(min(0.1, max(0.02, seconds)) / perPosition) / workers * workers)
        if let n = chunkPositions { count = min(count, n) }
        count = min(count, job.assembler.remaining)
        let evaluator = planes.active.evaluator
        let t0 = Date()
        if job.kind == .map {
            for i in job.assembler.fill(&map, count: count, evaluator: evaluator, data: data) { sampleSteps[i] = job.step }
        } else {
            job.assembler.fill(&job.cells!, count: count, evaluator: evaluator, data: data)
        }
        let seconds = Date().timeIntervalSince(t0)
        secondsPerPositionImage = 0.7 * secondsPerPositionImage + 0.3 * seconds / Double(count * data.count)
    }

    // MARK: the gap

    /// A job evaluating the active plane at the pattern's cells (sample (r, c) at cell (r, c)).
    func newScoreJob(_ planes: PlaneRunner) -> Job {
        let t = planes.active.trainer
        let cells = Viewport(pattern: planes.pattern)
        return Job(
            kind: .score, assembler: HeatmapAssembler(viewport: cells, surface: t.plane.surface), step: t.step, split: .test,
            images: target(planes).images, cells: Heatmap(viewport: cells, split: .test, step: t.step))
    }

    func finishScore(_ job: Job, planes: PlaneRunner) {
        planes.recordScore(PatternScore(pattern: planes.pattern, loss: job.cells!.loss, accuracy: job.cells!.accuracy), step: job.step)
    }

    /// The map's samples at the pattern's cells when it is of the test split and has them all.
    func patternSamples(_ planes: PlaneRunner) -> [Int]? {
        split == .test && planes.fixed == nil ? map.viewport.samples(atCellsOf: planes.pattern) : nil
    }

    /// Will the map give the gap (so no separate score job is needed)?
    func givesScore(_ planes: PlaneRunner) -> Bool {
        split == .test && planes.fixed == nil && target(planes).grid.samples(atCellsOf: planes.pattern) != nil
    }
}
