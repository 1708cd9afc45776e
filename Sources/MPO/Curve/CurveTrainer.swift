import CKernels
import Engine
import Foundation

/// Trains the point θ of a curve between two fixed models (`Curve`). One step: draw `points`
/// values of t uniformly in [0, 1] and one minibatch shared by them, run w(t) forward and
/// backward for each t (a BatchNorm net with the batch's statistics, as everywhere here),
///
///     L = mean_k CE(w(t_k)),   dL/dθ = mean_k c(t_k) dCE/dw (w(t_k)),
///
/// clip the gradient's global norm, Adam on θ. As `Trainer` does with cells, each t's gradient
/// lands in its own slot and the slots are summed in order: results depend neither on timing
/// nor on the worker count.
public final class CurveTrainer {
    /// What a run is made with; saved in the curve file so `--resume` continues it.
    public struct Settings: Sendable, Equatable {
        /// Values of t per step.
        public var points = 4
        public var learningRate: Float = 1e-3
        public var batchSize = 128
        /// Global gradient-norm clip (as the plane presets' `gradientClip`).
        public var gradientClip: Float = 100
        public var seed: UInt64 = 1
        public var dataset: DatasetKind = .fashionMNIST
        public init() {}
    }

    /// Everything a step changes.
    public struct State: Sendable {
        public var theta: [Float]  // [P]
        public var adam: Adam
        public var rng: Xoshiro256
        public init(theta: [Float], adam: Adam, rng: Xoshiro256) {
            self.theta = theta
            self.adam = adam
            self.rng = rng
        }
    }

    /// What one step did.
    public struct StepResult: Sendable {
        public var step: Int
        /// Mean training cross-entropy over the step's points, before the update.
        public var objective: Double
        public var accuracy: Double
        public var gradientNorm: Double
        public var images: Int
        public var seconds: Double
    }

    /// The most values of t per step (a slot of P floats each).
    public static let maxPoints = 256

    public let net: ModelSpec
    public let settings: Settings
    /// The end files' names, recorded in saves.
    public var sources: [String] = []
    public let train: Dataset
    public private(set) var curve: Curve
    public private(set) var adam: Adam
    public private(set) var rng: Xoshiro256
    public var step: Int { adam.step }

    private var sampler: MinibatchSampler
    let workers: Int
    private let networks: [Network]
    private let points: [UnsafeMutablePointer<Float>]  // per worker: w(t) [P]
    private let slots: UnsafeMutablePointer<Float>  // [points, P]: (1/points) dCE/dw at each t

    /// A new run (θ as the curve has it, fresh Adam and generator from the seed), or one resumed
    /// from `state`.
    public init(net: ModelSpec, curve: Curve, settings: Settings, train: Dataset, state: State? = nil,
                workers: Int = CPU.cores, compute: Compute = .default) throws {
        guard train.shape == net.inputShape else {
            throw DataError(train.name, "images are \(train.shape), the net expects \(net.inputShape)")
        }
        let p = ParameterLayout(net).count
        guard curve.parameterCount == p else {
            throw DataError(train.name, "the curve has \(curve.parameterCount) parameters per point, the net \(p)")
        }
        precondition((1...Self.maxPoints).contains(settings.points) && settings.batchSize >= 1)
        self.net = net
        self.settings = settings
        self.train = train
        var start = curve
        if let state {
            precondition(state.theta.count == p)
            start.theta = state.theta
            adam = state.adam
            rng = state.rng
        } else {
            adam = Adam(count: p, learningRate: settings.learningRate)
            rng = Xoshiro256(seed: settings.seed)
        }
        self.curve = start
        adam.learningRate = settings.learningRate
        sampler = MinibatchSampler(dataset: train, batchSize: settings.batchSize)
        self.workers = max(1, min(workers, settings.points))
        networks = try (0..<self.workers).map { _ in try Network(spec: net, capacity: settings.batchSize, compute: compute) }
        points = (0..<self.workers).map { _ in .allocate(capacity: p) }
        slots = .allocate(capacity: settings.points * p)
    }

    deinit {
        points.forEach { $0.deallocate() }
        slots.deallocate()
    }

    public var state: State { State(theta: curve.theta, adam: adam, rng: rng) }

    /// The current state as a curve file.
    public var file: CurveFile {
        CurveFile(net: net, curve: curve, settings: settings, adam: adam, rng: rng, sources: sources)
    }

    /// Puts back an earlier state (after a diverged step).
    public func restore(_ state: State) {
        curve.theta = state.theta
        adam = state.adam
        rng = state.rng
    }

    /// True when θ and the optimiser state hold no NaN or infinity.
    public var isFinite: Bool {
        curve.theta.allSatisfy(\.isFinite) && adam.m.allSatisfy(\.isFinite) && adam.v.allSatisfy(\.isFinite)
    }

    /// Uniform in [0, 1) from 53 random bits.
    static func uniform(_ rng: inout Xoshiro256) -> Double { Double(rng.next() >> 11) * 0x1p-53 }

    /// One optimiser step.
    @discardableResult
    public func advance() -> StepResult {
        let start = Date()
        let ts = (0..<settings.points).map { _ in Self.uniform(&rng) }
        sampler.next(using: &rng)
        var (g, loss, accuracy) = gradient(at: ts)
        let norm = clipGradientNorm(&g, maxNorm: settings.gradientClip)
        adam.update(&curve.theta, gradient: g)
        return StepResult(step: adam.step, objective: loss, accuracy: accuracy, gradientNorm: norm,
                          images: ts.count * settings.batchSize, seconds: Date().timeIntervalSince(start))
    }

    /// dL/dθ [P], L and the mean accuracy at the given t on the sampler's current minibatch.
    /// Exposed for the gradient and parity tests.
    func gradient(at ts: [Double]) -> (gradient: [Float], loss: Double, accuracy: Double) {
        precondition(ts.count <= settings.points)
        let p = curve.parameterCount, n = settings.batchSize, k = ts.count
        var losses = [Double](repeating: 0, count: k), correct = [Int](repeating: 0, count: k)
        let curve = self.curve, slots = self.slots
        sampler.images.withUnsafeBufferPointer { images in
            sampler.labels.withUnsafeBufferPointer { labels in
                losses.withUnsafeMutableBufferPointer { losses in
                    correct.withUnsafeMutableBufferPointer { correct in
                        Parallel.forEach(k, workers: workers) { j, worker in
                            let net = networks[worker], w = points[worker]
                            curve.point(ts[j], into: w)
                            net.forward(images: images.baseAddress!, count: n, weights: w)
                            let r = net.crossEntropy(labels: labels.baseAddress!, gradientWeight: 1 / Float(k))
                            losses[j] = r.loss
                            correct[j] = r.correct
                            let slot = slots + j * p
                            slot.initialize(repeating: 0, count: p)
                            net.backward(weights: w, gradient: slot)
                        }
                    }
                }
            }
        }
        // dw/dθ = c(t) I: the slots weighted by c(t), summed in order of t.
        var g = [Float](repeating: 0, count: p)
        g.withUnsafeMutableBufferPointer { g in
            for j in 0..<k { lp_axpy(p, Float(curve.thetaWeight(ts[j])), slots + j * p, g.baseAddress!) }
        }
        let accuracy = correct.reduce(0.0) { $0 + Double($1) / Double(n) } / Double(k)
        return (g, losses.reduce(0, +) / Double(k), accuracy)
    }

    /// Replaces the minibatch (tests feed a recorded batch).
    func setBatch(images: [Float], labels: [Int32]) {
        sampler.setBatch(images: images, labels: labels)
    }
}
