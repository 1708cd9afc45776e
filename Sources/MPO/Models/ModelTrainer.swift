import Engine
import Foundation

/// Trains one network (not a plane) with minibatches drawn with replacement, as MPO draws them.
/// Without BatchNorm the batch is split in two halves, each with its own network and gradient
/// slot, run on up to two workers; the slots are summed in order, so results depend neither on
/// timing nor on the worker count. A BatchNorm
/// net needs the whole batch in one network (its statistics are the batch's) and uses one worker;
/// it also keeps running statistics as PyTorch's train mode does (momentum 0.1, unbiased
/// variance, num_batches_tracked), so its models evaluate as `model.eval()` would.
public final class ModelTrainer {
    /// PyTorch's default BatchNorm momentum.
    public static let statisticsMomentum = 0.1

    public private(set) var model: ModelFile
    public let train: Dataset
    public let layout: ParameterLayout
    let workers: Int
    private let networks: [Network]
    /// Per worker: the slice of the batch it takes, and its gradient slot [P].
    private let parts: [Range<Int>]
    private var gradients: [[Float]]
    private var sampler: MinibatchSampler

    /// A freshly initialised model (PyTorch's default initialisation from `settings.seed`).
    public static func initial(net: ModelSpec, settings: ModelFile.Settings) -> ModelFile {
        var rng = Xoshiro256(seed: settings.seed)
        let layout = ParameterLayout(net)
        let w = layout.initialWeights(using: &rng)
        let o = Optimizer(settings.optimizer, count: layout.count, learningRate: settings.learningRate, momentum: settings.momentum)
        let statistics = StatisticsLayout(net)
        return ModelFile(
            net: net, settings: settings, weights: w, m: o.m, v: o.v, step: 0, rng: rng, statistics: statistics.count > 0 ? statistics.initial : nil)
    }

    public init(model: ModelFile, train: Dataset, workers: Int = CPU.cores, compute: Compute = .default) throws {
        guard train.shape == model.net.inputShape else {
            throw DataError(train.name, "images are \(train.shape), the net expects \(model.net.inputShape)")
        }
        self.model = model
        // A BatchNorm model saved before running statistics were kept starts them afresh.
        let statistics = StatisticsLayout(model.net)
        if statistics.count > 0 && self.model.statistics == nil { (self.model.statistics, self.model.batchesTracked) = (statistics.initial, 0) }
        self.train = train
        layout = ParameterLayout(model.net)
        let batch = model.settings.batchSize
        // Always two parts (whatever the worker count), so a run and its resume on another
        // machine sum the same numbers in the same order.
        let n = model.net.batchNorm || batch < 2 ? 1 : 2
        self.workers = min(n, max(1, workers))
        parts = (0..<n).map { k in (k * batch / n)..<((k + 1) * batch / n) }
        networks = try parts.map { try Network(spec: model.net, capacity: $0.count, compute: compute) }
        gradients = parts.map { _ in [Float](repeating: 0, count: model.weights.count) }
        sampler = MinibatchSampler(dataset: train, batchSize: batch)
    }

    /// What one step did: the batch's mean loss and accuracy before the update.
    public struct StepResult: Sendable {
        public var step: Int
        public var loss: Double
        public var accuracy: Double
        public var images: Int
        public var seconds: Double
    }

    public var step: Int { model.step }

    /// Puts back an earlier state (after a diverged step).
    public func restore(_ state: ModelFile) { model = state }
    /// Steps that draw as many images as the training set holds.
    public var stepsPerEpoch: Int { (train.count + model.settings.batchSize - 1) / model.settings.batchSize }

    /// The model's optimiser: its settings, moments and step as the one optimiser type.
    private(set) var optimizer: Optimizer {
        get {
            let s = model.settings
            var o = Optimizer(s.optimizer, count: 0, learningRate: s.learningRate, momentum: s.momentum)
            (o.m, o.v, o.step) = (model.m, model.v, model.step)
            return o
        }
        set { (model.m, model.v, model.step) = (newValue.m, newValue.v, newValue.step) }
    }

    /// One optimiser step.
    @discardableResult
    public func advance() -> StepResult {
        let start = Date()
        sampler.next(using: &model.rng)
        let batch = Double(model.settings.batchSize), size = train.imageSize
        var results = [(loss: Double, correct: Int)](repeating: (0, 0), count: parts.count)
        let weights = model.weights
        sampler.images.withUnsafeBufferPointer { images in
            sampler.labels.withUnsafeBufferPointer { labels in
                weights.withUnsafeBufferPointer { w in
                    results.withUnsafeMutableBufferPointer { results in
                        gradients.withUnsafeMutableBufferPointer { slots in
                            Parallel.forEach(parts.count, workers: workers) { k, _ in
                                let part = parts[k], net = networks[k]
                                slots[k].withUnsafeMutableBufferPointer { g in
                                    g.update(repeating: 0)
                                    net.forward(images: images.baseAddress! + part.lowerBound * size, count: part.count, weights: w.baseAddress!)
                                    let r = net.crossEntropy(
                                        labels: labels.baseAddress! + part.lowerBound, gradientWeight: Float(Double(part.count) / batch))
                                    net.backward(weights: w.baseAddress!, gradient: g.baseAddress!)
                                    results[k] = (r.loss * Double(part.count) / batch, r.correct)
                                }
                            }
                        }
                    }
                }
            }
        }
        if model.statistics != nil { trackStatistics() }
        var gradient = gradients[0]
        for k in 1..<parts.count {
            gradients[k].withUnsafeBufferPointer { g in for i in 0..<gradient.count { gradient[i] += g[i] } }
        }
        var o = optimizer
        o.update(&model.weights, gradient: gradient)
        optimizer = o
        return StepResult(
            step: model.step, loss: results.reduce(0) { $0 + $1.loss }, accuracy: Double(results.reduce(0) { $0 + $1.correct }) / batch,
            images: model.settings.batchSize, seconds: Date().timeIntervalSince(start))
    }

    /// Folds the step's batch statistics into the running ones (BatchNorm nets run the batch in
    /// one network): running ← 0.9·running + 0.1·batch, the variance unbiased.
    private func trackStatistics() {
        precondition(networks.count == 1)
        var batch = [Float](repeating: 0, count: model.statistics!.count)
        batch.withUnsafeMutableBufferPointer { networks[0].batchStatistics(into: $0.baseAddress!) }
        model.statistics!.withUnsafeMutableBufferPointer { s in
            batch.withUnsafeBufferPointer { StatisticsLayout.blend(s.baseAddress!, toward: $0.baseAddress!, count: $0.count, momentum: Self.statisticsMomentum) }
        }
        model.batchesTracked += 1
    }
}
