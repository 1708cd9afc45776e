import Engine
import Foundation

/// What the map evaluates: its grid and images now, the next refresh, and what a complete map
/// tells (its age, its period, the gap).
extension MapRefresher {
    /// The grid and images the map should have now.
    func target(_ planes: PlaneRunner) -> (grid: Viewport, images: Int) {
        if planes.isTraining {
            let plan = planes.sizing.plan, pattern = planes.pattern
            let samples = plan?.mapSamples ?? pattern.width * pattern.height
            let images = plan?.mapImages ?? min(LivePlan.Goals().minimumMapImages, evalImages)
            return (viewport.liveGrid(pattern: pattern, maxSamples: samples), images)
        }
        let ladder = refinementLadder(planes)
        return ladder[min(level, ladder.count - 1)]
    }

    /// Images behind the map now (those it is about to take before its first refresh): a
    /// transect is evaluated on them.
    func currentImages(_ planes: PlaneRunner) -> Int { images > 0 ? images : target(planes).images }

    /// Paused: the view's own grid, then 2x2 and up to `detail` x `detail` samples per sample,
    /// then more images.
    func refinementLadder(_ planes: PlaneRunner) -> [(grid: Viewport, images: Int)] {
        let pool = planes.data.poolCount
        let images = min(evalImages, pool)
        var out = [(grid: viewport, images: images)]
        for f in Set([2, detail]).sorted() where f >= 2 && f <= detail {
            let grid = viewport.refined(by: f)
            if grid.count <= Self.maxRefinedSamples && grid.count * images <= Self.maxRefinementWork { out.append((grid, images)) }
        }
        let more = min(pool, max(images, Self.maxRefinementWork / max(1, out.last!.grid.count)))
        if more >= images + images / 2 { out.append((out.last!.grid, more)) }
        return out
    }

    /// The next refresh of the map: in place (row by row, values kept until replaced) when the
    /// grid and images are those of the complete map now; else a new grid, coarse to fine.
    /// nil when the map is current (paused and refined to the last level, or no new step).
    func nextMapJob(_ planes: PlaneRunner) -> Job? {
        let step = planes.active.trainer.step
        let want = target(planes)
        let same = map.viewport == want.grid && map.split == split && sampleSteps.count == map.viewport.count
        if same && images != want.images {
            images = want.images  // other images on the same grid: replace in place
            stale = true
        }
        let complete = same && !sampleSteps.contains(-1)
        if complete && !stale && sampleSteps.min() == step {
            guard !planes.isTraining, level < refinementLadder(planes).count - 1 else { return nil }
            level += 1  // paused and this level is done: the next, finer one
            return nextMapJob(planes)
        }
        if !same {
            map = Heatmap(viewport: want.grid, split: split, step: step)
            images = want.images
            sampleSteps = [Int](repeating: -1, count: want.grid.count)
            stale = false
        }
        let grid = want.grid
        let order: [Int]
        if complete {
            order = Array(0..<grid.count)
        } else {
            // unevaluated samples first, coarse to fine
            let progressive = HeatmapAssembler.coarseToFine(rows: grid.rows, cols: grid.cols)
            order = progressive.filter { sampleSteps[$0] < 0 } + progressive.filter { sampleSteps[$0] >= 0 }
        }
        map.step = step
        return Job(
            kind: .map, assembler: HeatmapAssembler(viewport: grid, surface: planes.surface, order: order), step: step, split: split,
            images: want.images)
    }

    /// A refresh is done: the step of its oldest sample, the period, and the gap when the map
    /// holds every pattern cell.
    func finishMap(_ planes: PlaneRunner) {
        guard !sampleSteps.contains(-1), let oldest = sampleSteps.min() else { return }
        completeStep = oldest
        stale = false
        completions.append(Date())
        if completions.count > 4 { completions.removeFirst() }
        if let cells = patternSamples(planes) {
            let step = cells.map { sampleSteps[$0] }.min()!
            if step > (planes.active.scores.last?.step ?? -1) {
                planes.recordScore(
                    PatternScore(pattern: planes.pattern, loss: cells.map { map.loss[$0] }, accuracy: cells.map { map.accuracy[$0] }), step: step)
            }
        }
    }

    /// The map's part of the snapshot.
    func part(_ planes: PlaneRunner) -> Session.Snapshot.Map {
        var m = Session.Snapshot.Map(heatmap: map)
        m.split = split
        m.completeStep = completeStep
        m.progress = job?.assembler.progress ?? 1
        m.images = images
        if completeStep != nil, !sampleSteps.isEmpty, !sampleSteps.contains(-1) { m.oldestStep = sampleSteps.min() }
        if completions.count >= 2 {
            m.period = completions.last!.timeIntervalSince(completions.first!) / Double(completions.count - 1)
        }
        if !planes.isTraining {
            let ladder = refinementLadder(planes)
            m.refinementLevels = ladder.count
            let done = ladder.firstIndex { $0.grid == map.viewport && $0.images == images }
            let complete = !sampleSteps.contains(-1) && !stale && sampleSteps.min() == planes.active.trainer.step
            m.refinedLevels = done.map { $0 + (complete ? 1 : 0) } ?? 0
        }
        return m
    }
}
