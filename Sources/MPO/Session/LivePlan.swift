import Foundation

/// How much live work the explorer asks of the machine, sized from what the machine measured
/// during the first steps: images per training step, the map's images and samples while training,
/// and the share of compute time the map gets. The aim: at least 4 steps/s and a picture at most
/// 2 s old on any machine, so that a pattern is recognisable within a minute on two AVX2 cores.
///
/// Time on the cores per second of wall clock (both cores; `Goals.capacity` of it usable):
///
///     training  R * t(b),  t(b) = c * b * tau + sigma   R steps/s; c cells of b images per step
///     map       S * I * eps / P                         S samples of I images, every P seconds
///
/// tau, sigma and eps are measured (`Measurement`). The plan is the largest batch whose steps fit
/// beside the smallest useful map, then the richest map over the pattern's cells that still fits
/// (beyond them only on machines with steps to spare), and the time left over goes to training:
/// steps are what make the picture. Measured on heart (FashionMNIST, seeds 1-3): 32 images per
/// step reach the test gap 0.25 after ~200-250 steps against ~175 with 64, but each step costs
/// about half as much, so the picture comes sooner; with 16 the thin features of smiley did not fit.
public struct LivePlan: Sendable, Hashable, Codable {
    /// What one unit of work costs on this machine, now (other programs' load included).
    public struct Measurement: Sendable, Hashable, Codable {
        /// tau: seconds of a training step per cell-image (cells x images), both cores.
        public var trainSecondsPerCellImage: Double
        /// sigma: seconds of a step that do not grow with its images (plane algebra, Adam).
        public var stepOverheadSeconds: Double
        /// eps: seconds per evaluated sample-image (forward only), both cores.
        public var evalSecondsPerSampleImage: Double

        public init(trainSecondsPerCellImage: Double, stepOverheadSeconds: Double, evalSecondsPerSampleImage: Double) {
            self.trainSecondsPerCellImage = trainSecondsPerCellImage
            self.stepOverheadSeconds = stepOverheadSeconds
            self.evalSecondsPerSampleImage = evalSecondsPerSampleImage
        }

        /// Seconds of one step of `cells` cells and `batch` images.
        public func stepSeconds(cells: Int, batch: Int) -> Double {
            Double(cells * batch) * trainSecondsPerCellImage + stepOverheadSeconds
        }

        public func mapSeconds(samples: Int, images: Int) -> Double {
            Double(samples * images) * evalSecondsPerSampleImage
        }
    }

    /// The work to size.
    public struct Work: Sendable, Hashable {
        /// Cells sampled per step (good + bad).
        public var cellsPerStep: Int
        /// The preset's images per step: the most the plan uses.
        public var batchSize: Int
        /// False when the batch is the user's choice (or a checkpoint's): then only the map is sized.
        public var sizesBatch: Bool
        /// Samples of a live map at the pattern's resolution: over the pattern alone, and over
        /// the whole view.
        public var patternSamples: Int
        public var viewSamples: Int
        /// Images of the evaluation subset: the most a map sample uses.
        public var evalImages: Int

        public init(cellsPerStep: Int, batchSize: Int, sizesBatch: Bool = true, patternSamples: Int, viewSamples: Int, evalImages: Int) {
            self.cellsPerStep = max(1, cellsPerStep)
            self.batchSize = max(1, batchSize)
            self.sizesBatch = sizesBatch
            self.patternSamples = max(1, patternSamples)
            self.viewSamples = max(self.patternSamples, viewSamples)
            self.evalImages = max(1, evalImages)
        }
    }

    public struct Goals: Sendable, Hashable {
        public var stepsPerSecond = 4.0
        /// The picture's age at most (samples are replaced in place, each from the newest plane,
        /// so a sample is at most one map period old).
        public var mapSeconds = 2.0
        /// Fraction of the cores' time the plan fills: the rest absorbs publishing, the loop's
        /// edges and other programs' bursts.
        public var capacity = 0.85
        /// Aim this far inside the goals, so that noise in the measurement does not miss them.
        public var margin = 1.2
        /// Fewer images per step than this fit too slowly: with 16, smiley had no gap 0.25 in 600
        /// steps (24: step 500, 32: 400, 64: 375; seed 1).
        public var minimumBatch = 24
        /// Fewer images per map sample than this make the gap too noisy to read.
        public var minimumMapImages = 32
        /// Images per map sample before the map grows beyond the pattern.
        public var preferredMapImages = 50
        /// The map grows beyond the pattern (the whole view, more images) only while training
        /// still makes this many steps/s: until then time goes to steps, which make the picture.
        public var ampleStepsPerSecond = 8.0

        public init() {}
    }

    /// Images per training step.
    public var batchSize: Int
    /// Images per map sample while training (when paused the map refines beyond this).
    public var mapImages: Int
    /// Samples of the live map; `mapCoversView`: all of the view, else the pattern's cells.
    public var mapSamples: Int
    public var mapCoversView: Bool
    /// Fraction of compute time the map gets while training.
    public var mapShare: Double
    /// What the measurement predicts for this plan.
    public var stepsPerSecond: Double
    public var mapSeconds: Double
    public var measurement: Measurement

    public init(
        batchSize: Int, mapImages: Int, mapSamples: Int, mapCoversView: Bool, mapShare: Double, stepsPerSecond: Double,
        mapSeconds: Double, measurement: Measurement
    ) {
        self.batchSize = batchSize
        self.mapImages = mapImages
        self.mapSamples = mapSamples
        self.mapCoversView = mapCoversView
        self.mapShare = mapShare
        self.stepsPerSecond = stepsPerSecond
        self.mapSeconds = mapSeconds
        self.measurement = measurement
    }

    /// Batches to try, largest first: the preset's, then about 3/4 of the one before, in
    /// multiples of 8, down to the minimum.
    static func batchCandidates(_ work: Work, _ goals: Goals) -> [Int] {
        guard work.sizesBatch, work.batchSize > goals.minimumBatch else { return [work.batchSize] }
        var out = [work.batchSize], b = work.batchSize
        while true {
            b = max(goals.minimumBatch, (b * 3 / 4 + 4) / 8 * 8)
            if b >= out.last! { b = out.last! - 8 }
            guard b >= goals.minimumBatch else { break }
            out.append(b)
            if b == goals.minimumBatch { break }
        }
        return out
    }

    /// Live maps to try, cheapest first; each costs at least as much as the one before: more
    /// images over the pattern, then the whole view, then more images over it.
    static func mapCandidates(_ work: Work, _ goals: Goals) -> [(samples: Int, images: Int, view: Bool)] {
        let top = work.evalImages
        let low = min(goals.minimumMapImages, top), preferred = min(max(goals.preferredMapImages, low), top)
        let same = work.viewSamples == work.patternSamples
        var out = Set([low, 40, preferred].filter { $0 >= low && $0 <= preferred }).sorted().map { (work.patternSamples, $0, same) }
        if !same { out.append((work.viewSamples, preferred, true)) }
        out += Set([64, 80, 100, top].filter { $0 > preferred && $0 <= top }).sorted().map { (work.viewSamples, $0, true) }
        return out
    }

    /// The plan for `work` on a machine that measured `m`.
    public static func choose(_ work: Work, measured m: Measurement, goals: Goals = Goals()) -> LivePlan {
        let rate = goals.stepsPerSecond * goals.margin  // aimed steps/s
        let period = goals.mapSeconds / goals.margin  // aimed map period
        let cap = goals.capacity
        let maps = mapCandidates(work, goals)
        func load(_ batch: Int, _ map: (samples: Int, images: Int, view: Bool)) -> Double {
            let rich = map.samples > work.patternSamples || map.images > min(goals.preferredMapImages, work.evalImages)
            return (rich ? max(rate, goals.ampleStepsPerSecond) : rate) * m.stepSeconds(cells: work.cellsPerStep, batch: batch)
                + m.mapSeconds(samples: map.samples, images: map.images) / period
        }
        let batches = batchCandidates(work, goals)
        let batch = batches.first { load($0, maps[0]) <= cap } ?? batches.last!
        let map = maps.last { load(batch, $0) <= cap } ?? maps[0]
        let step = m.stepSeconds(cells: work.cellsPerStep, batch: batch)
        let mapTime = m.mapSeconds(samples: map.samples, images: map.images)
        var share: Double
        if load(batch, map) <= cap {
            share = mapTime / period / cap  // the map just keeps its period; training takes the rest
        } else {
            // Even the least does not fit: both goals are missed in proportion.
            share = (mapTime / period) / load(batch, map)
        }
        share = min(0.75, max(0.1, share))
        return LivePlan(
            batchSize: batch, mapImages: map.images, mapSamples: map.samples, mapCoversView: map.view, mapShare: share,
            stepsPerSecond: cap * (1 - share) / step, mapSeconds: mapTime / (cap * share), measurement: m)
    }

    /// Fits tau and sigma to steps of two (or more) sizes: (cell-images, seconds) pairs; with a
    /// single size, sigma is taken as `overheadGuess` of the step.
    public static func trainCost(_ steps: [(cellImages: Int, seconds: Double)], overheadGuess: Double = 0.05) -> (tau: Double, sigma: Double)? {
        let valid = steps.filter { $0.cellImages > 0 && $0.seconds > 0 && $0.seconds.isFinite }
        guard !valid.isEmpty else { return nil }
        let xs = valid.map { Double($0.cellImages) }, ys = valid.map(\.seconds)
        let n = Double(valid.count)
        let mx = xs.reduce(0, +) / n, my = ys.reduce(0, +) / n
        let sxx = zip(xs, xs).map { ($0 - mx) * ($1 - mx) }.reduce(0, +)
        if sxx > 1e-6 * mx * mx * n {
            let sxy = zip(xs, ys).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
            let tau = sxy / sxx, sigma = my - tau * mx
            if tau > 0 && sigma >= 0 { return (tau, sigma) }
            if tau > 0 { return (my / mx, 0) }
        }
        return (my * (1 - overheadGuess) / mx, my * overheadGuess)
    }

    /// The plan as JSON (checkpoint metadata `live_plan`).
    public var json: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return (try? e.encode(self)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
    }

    /// One line for the side panel: "batch 32, map 340x50 every 1.5 s, 30% of cores".
    public var summary: String {
        "batch \(batchSize), map \(mapSamples)x\(mapImages) img, \(Int((mapShare * 100).rounded()))% map"
    }
}
