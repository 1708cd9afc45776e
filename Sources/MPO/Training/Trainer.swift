import CKernels
import Engine
import Foundation

/// Multi-point optimization of a plane (DESIGN.md §1). One step: sample up to `cells` good and
/// `cells` bad cells and one minibatch shared by all of them, run each cell's network forward and
/// backward, objective = mean good CE − mean bad clamp(CE, 0, clip) (`Clamp`: of the batch's mean, as
/// the paper, or of each image's), back through the plane map,
/// clip the gradient norm, Adam. The per-cell work is only the CNN; plane algebra is O(P) per step.
///
/// Deterministic for a seed whatever the number of workers: each cell's gradient lands in its own
/// slot and the slots are summed in cell order.
public final class Trainer {
    public let config: TrainingConfig
    public let pattern: Pattern
    public private(set) var plane: Plane
    public private(set) var adam: Optimizer
    /// Draws cells and minibatches; saved in checkpoints so a resumed run continues exactly.
    public private(set) var rng: Xoshiro256
    /// Per trained cell, how wrong it was when last drawn (read by `CellFocus.wrong`).
    public private(set) var cellWeights: CellWeights
    public var step: Int { adam.step }
    public let layout: ParameterLayout
    /// More checkpoint metadata for every save (see `Checkpoint.notes`).
    public var notes: [String: String] = [:]

    let good: [Cell], bad: [Cell]
    /// Up to how many good and how many bad cells a step draws (`TrainingConfig.cellsPerSide`).
    public let cellsPerSide: Int
    /// The clip c of the bad cells (`TrainingConfig.clip(for:)`).
    public let clip: Float
    private var sampler: MinibatchSampler
    let workers: Int
    private let networks: [Network]
    private let points: [UnsafeMutablePointer<Float>]  // per worker: w [P]
    private let slots: UnsafeMutablePointer<Float>  // [2 * cellsPerSide, P]: one gradient per sampled cell

    /// What one step did.
    public struct StepResult: Sendable {
        public var step: Int
        public var objective: Double
        public var goodLoss: Double, badLoss: Double
        public var goodAccuracy: Double, badAccuracy: Double
        public var gradientNorm: Double
        public var cellImages: Int
        public var seconds: Double
    }

    public struct State: Sendable {
        public var plane: Plane
        public var adam: Optimizer
        public var rng: Xoshiro256
        /// What `CellFocus.wrong` last saw of each trained cell (nil: nothing yet, all wrong).
        public var cellWeights: CellWeights?

        public init(plane: Plane, adam: Optimizer, rng: Xoshiro256, cellWeights: CellWeights? = nil) {
            self.plane = plane
            self.adam = adam
            self.rng = rng
            self.cellWeights = cellWeights
        }
    }

    /// A new plane (no `state`) of a config with a warm start begins at the warm origin
    /// (`WarmStart.origin`, trained or read from the cache); `progress` hears what that does.
    public init(config: TrainingConfig, pattern: Pattern, train: Dataset, workers: Int = CPU.cores, state: State? = nil,
                warmStartFolders: WarmStart.Folders = .standard, progress: WarmStart.Progress = { _ in }) throws {
        guard train.shape == config.net.inputShape else {
            throw DataError(train.name, "images are \(train.shape.map(String.init).joined(separator: "x")), the net expects \(config.net.inputShape.map(String.init).joined(separator: "x"))")
        }
        self.config = config
        self.pattern = pattern
        layout = ParameterLayout(config.net)
        (good, bad) = pattern.trainedCells
        guard !good.isEmpty || !bad.isEmpty else {
            throw DataError(pattern.name, "pattern has no edges to train (all cells are one colour)")
        }
        if let state {
            guard state.plane.count == layout.count else {
                throw DataError(pattern.name, "plane has \(state.plane.count) parameters per point, the net \(layout.count)")
            }
            plane = state.plane
            adam = state.adam
            rng = state.rng
            cellWeights = state.cellWeights ?? CellWeights(count: good.count + bad.count)
            guard cellWeights.wrongness.count == good.count + bad.count else {
                throw DataError(pattern.name, "cell weights cover \(cellWeights.wrongness.count) cells, the pattern trains \(good.count + bad.count)")
            }
        } else {
            cellWeights = CellWeights(count: good.count + bad.count)
            var rng = Xoshiro256(seed: config.seed)
            plane = Plane(layout: layout, height: pattern.height, width: pattern.width,
                          scale: config.initialScale(for: pattern), rng: &rng)
            if config.warmStart.isOn {
                let origin = try config.warmStart.origin(for: config, train: train, workers: workers, folders: warmStartFolders, progress: progress)
                plane.parameters.replaceSubrange(0..<layout.count, with: origin)
            }
            adam = Optimizer(.adam, count: 3 * layout.count + 1, learningRate: config.learningRate)
            self.rng = rng
        }
        adam.learningRate = config.learningRate
        sampler = MinibatchSampler(dataset: train, batchSize: config.batchSize)
        self.workers = max(1, workers)
        networks = try (0..<self.workers).map { _ in try Network(spec: config.net, capacity: config.batchSize, compute: config.compute) }
        points = (0..<self.workers).map { _ in .allocate(capacity: ParameterLayout(config.net).count) }
        cellsPerSide = config.cellsPerSide(for: pattern)
        clip = config.clip(for: pattern)
        slots = .allocate(capacity: 2 * cellsPerSide * layout.count)
    }

    deinit {
        points.forEach { $0.deallocate() }
        slots.deallocate()
    }

    public var state: State {
        State(plane: plane, adam: adam, rng: rng, cellWeights: config.cellFocus == .uniform ? nil : cellWeights)
    }

    /// Puts back an earlier state (after a diverged step).
    public func restore(_ state: State) {
        plane = state.plane
        adam = state.adam
        rng = state.rng
        cellWeights = state.cellWeights ?? CellWeights(count: good.count + bad.count)
    }

    /// k random elements without replacement (partial Fisher–Yates), in draw order.
    private func sample(_ cells: [Cell], _ k: Int) -> [Cell] {
        var pool = cells
        let n = min(k, pool.count)
        for i in 0..<n {
            let j = i + rng.below(pool.count - i)
            pool.swapAt(i, j)
        }
        return Array(pool[0..<n])
    }

    @discardableResult
    public func step(learningRate: Float? = nil) -> StepResult {
        let start = Date()
        let goodCells: [Cell], badCells: [Cell], drawn: [Int]
        switch config.cellFocus {
        case .uniform:
            (goodCells, badCells, drawn) = (sample(good, cellsPerSide), sample(bad, cellsPerSide), [])
        case .wrong(let floor):
            let g = cellWeights.draw(cellsPerSide, offset: 0, n: good.count, floor: floor, rng: &rng)
            let b = cellWeights.draw(cellsPerSide, offset: good.count, n: bad.count, floor: floor, rng: &rng)
            (goodCells, badCells, drawn) = (g.map { good[$0] }, b.map { bad[$0] }, g + b.map { good.count + $0 })
        }
        sampler.next(using: &rng)
        let cells = goodCells + badCells
        let result = gradient(cells: cells, goodCount: goodCells.count)
        if !drawn.isEmpty {
            cellWeights.record(index: drawn, losses: result.perCell.losses,
                               good: cells.indices.map { $0 < goodCells.count }, clip: clip)
        }
        var g = result.gradient
        let norm = clipGradientNorm(&g, maxNorm: config.gradientClip)
        if let learningRate { adam.learningRate = learningRate }
        adam.update(&plane.parameters, gradient: g)
        var r = result.summary
        r.step = adam.step
        r.gradientNorm = norm
        r.seconds = Date().timeIntervalSince(start)
        return r
    }

    /// Per-cell results of one objective evaluation.
    public struct CellLosses: Sendable {
        public var losses: [Double]
        public var correct: [Int]
    }

    /// The objective's gradient w.r.t. the plane parameters [3P + 1] for the given cells (good ones
    /// first) on the sampler's current minibatch. Exposed for parity tests.
    func gradient(cells: [Cell], goodCount: Int) -> (gradient: [Float], summary: StepResult, perCell: CellLosses) {
        let p = layout.count, n = config.batchSize
        let badCount = cells.count - goodCount
        let axes = plane.axes()
        var results = [CellResult](repeating: CellResult(), count: cells.count)
        let plane = self.plane
        sampler.images.withUnsafeBufferPointer { images in
            sampler.labels.withUnsafeBufferPointer { labels in
                results.withUnsafeMutableBufferPointer { results in
                    Parallel.forEach(cells.count, workers: workers) { k, worker in
                        let net = networks[worker], w = points[worker]
                        plane.point(row: Double(cells[k].row), col: Double(cells[k].col), axes: axes, into: w)
                        net.forward(images: images.baseAddress!, count: n, weights: w)
                        let isGood = k < goodCount
                        let weight = isGood ? 1 / Float(goodCount) : -1 / Float(badCount)
                        let (loss, hits) = net.crossEntropy(labels: labels.baseAddress!, gradientWeight: weight)
                        results[k] = isGood
                            ? CellResult(loss: loss, correct: hits, term: loss, active: true)
                            : badCell(net, labels: labels.baseAddress!, loss: loss, correct: hits)
                        guard results[k].active else { return }
                        let slot = slots + k * p
                        slot.initialize(repeating: 0, count: p)
                        net.backward(weights: w, gradient: slot)
                    }
                }
            }
        }
        let active = results.map(\.active)
        var sums = Plane.PointGradients(count: p)
        let offsets = cells.map { plane.offsets(row: Double($0.row), col: Double($0.col)) }
        // Sum the slots in cell order, splitting the P dimension over workers.
        let blocks = 64, blockSize = (p + blocks - 1) / blocks
        sums.sum.withUnsafeMutableBufferPointer { s0 in
            sums.upWeighted.withUnsafeMutableBufferPointer { sa in
                sums.rightWeighted.withUnsafeMutableBufferPointer { sb in
                    Parallel.forEach(blocks, workers: workers) { block, _ in
                        let lo = block * blockSize, len = min(p, lo + blockSize) - lo
                        guard len > 0 else { return }
                        for k in cells.indices where active[k] {
                            let slot = slots + k * p + lo
                            lp_axpy(len, 1, slot, s0.baseAddress! + lo)
                            lp_axpy(len, offsets[k].up, slot, sa.baseAddress! + lo)
                            lp_axpy(len, offsets[k].right, slot, sb.baseAddress! + lo)
                        }
                    }
                }
            }
        }
        let gradient = plane.backward(sums, axes: axes)
        func mean(_ x: ArraySlice<Double>) -> Double { x.isEmpty ? 0 : x.reduce(0, +) / Double(x.count) }
        let losses = results.map(\.loss), terms = results.map(\.term)
        let goodLosses = losses[0..<goodCount], badLosses = losses[goodCount...]
        let objective = mean(terms[0..<goodCount]) - mean(terms[goodCount...])
        let accuracy = results.map { Double($0.correct) / Double(n) }
        let summary = StepResult(
            step: adam.step, objective: objective, goodLoss: mean(goodLosses), badLoss: mean(badLosses),
            goodAccuracy: mean(accuracy[0..<goodCount]), badAccuracy: mean(accuracy[goodCount...]),
            gradientNorm: 0, cellImages: cells.count * n, seconds: 0)
        return (gradient, summary, CellLosses(losses: losses, correct: results.map(\.correct)))
    }

    /// One sampled cell's forward result: its mean cross-entropy, correct count, its term of the
    /// objective (a bad cell's clamped as `config.clamp` says) and whether it passes a gradient.
    struct CellResult {
        var loss = 0.0, correct = 0, term = 0.0, active = false
    }

    /// A bad cell's clamp, after `crossEntropy` seeded its gradient: the paper clamps the batch's
    /// mean (no gradient once it passes the clip); `.image` lets each image past the clip drop out
    /// and keeps the cell pushing while any image is below it.
    private func badCell(_ net: Network, labels: UnsafePointer<Int32>, loss: Double, correct: Int) -> CellResult {
        switch config.clamp {
        case .batch:
            let clip = Double(clip)
            return CellResult(loss: loss, correct: correct, term: min(max(loss, 0), clip), active: loss <= clip)
        case .image:
            let term = net.clampEach(labels: labels, clip: clip)
            return CellResult(loss: loss, correct: correct, term: term, active: term < Double(clip))
        }
    }

    /// Replaces the minibatch (parity tests feed the fixture's batch).
    func setBatch(images: [Float], labels: [Int32]) {
        sampler.setBatch(images: images, labels: labels)
    }
}
