import CKernels

/// A network built from a `ModelSpec` for batches of up to `capacity` images, with all the
/// memory a forward and backward pass needs allocated once. The weights are not stored here: every
/// pass reads a flat vector (MPO evaluates many points of a plane through one network).
/// A Network is used by one thread at a time; give each worker its own.
public final class Network {
    public let spec: ModelSpec
    public let plan: LayerPlan
    public let layout: ParameterLayout
    /// Where BatchNorm's running statistics live in a statistics vector [S] (`forward(statistics:)`).
    public let statisticsLayout: StatisticsLayout
    public let capacity: Int
    /// Forward-only networks keep two activation buffers and reuse them layer after layer.
    public let forwardOnly: Bool
    /// The ISA level and GEMM precision every layer computes with.
    public let compute: Compute
    let layers: [Layer]
    /// The layers among them with running statistics (BatchNorm), in order: one per
    /// `statisticsLayout` entry.
    let norms: [any StatisticsLayer]
    /// activations[i] is layer i's output: [capacity * layers[i].outputSize].
    private let activations: [UnsafeMutablePointer<Float>]
    /// [capacity, C*H*W] staging for inputs with more than one channel (NCHW -> CNHW).
    private let stagedInput: UnsafeMutablePointer<Float>?
    /// Two gradient buffers used alternately by the backward pass.
    private let gradientA: UnsafeMutablePointer<Float>, gradientB: UnsafeMutablePointer<Float>
    private var input: UnsafePointer<Float>?
    private var batch = 0

    public init(spec: ModelSpec, capacity: Int, forwardOnly: Bool = false, compute: Compute = .default) throws {
        try spec.validate()
        precondition(capacity > 0)
        self.spec = spec
        self.capacity = capacity
        self.forwardOnly = forwardOnly
        self.compute = compute
        plan = LayerPlan(spec)
        layout = ParameterLayout(plan)
        statisticsLayout = StatisticsLayout(plan)
        layers = Self.build(plan, capacity: capacity, compute: compute)
        norms = layers.compactMap { $0 as? StatisticsLayer }
        let widest = max(spec.inputSize, layers.map(\.outputSize).max()!) * capacity
        if forwardOnly {
            let pair: [UnsafeMutablePointer<Float>] = [.allocate(capacity: widest), .allocate(capacity: widest)]
            activations = layers.indices.map { pair[$0 % 2] }
            gradientA = .allocate(capacity: spec.classes * capacity)
            gradientB = gradientA
        } else {
            activations = layers.map { .allocate(capacity: capacity * $0.outputSize) }
            gradientA = .allocate(capacity: widest)
            gradientB = .allocate(capacity: widest)
        }
        stagedInput = spec.inputChannels > 1 ? .allocate(capacity: capacity * spec.inputSize) : nil
    }

    deinit {
        if forwardOnly {
            activations.prefix(2).forEach { $0.deallocate() }
            gradientA.deallocate()
            stagedInput?.deallocate()
            return
        }
        activations.forEach { $0.deallocate() }
        stagedInput?.deallocate()
        gradientA.deallocate()
        gradientB.deallocate()
    }

    /// One engine layer per fused run of the plan (`LayerPlan.fusedLayers`), made by the run's
    /// first module (`PlanModule.layer`).
    private static func build(_ plan: LayerPlan, capacity: Int, compute: Compute) -> [Layer] {
        plan.fusedLayers.map { plan.steps[$0.lowerBound].module.layer(for: plan.steps[$0], capacity: capacity, compute: compute) }
    }

    /// Runs images [n, C, H, W] (NCHW, as stored) through the net; returns logits [n, classes],
    /// valid until the next pass. `images` must stay valid until `backward` has run.
    /// BatchNorm normalises with the batch's own statistics, or with `statistics` [S]
    /// (`statisticsLayout`: running means and variances, PyTorch's eval mode) when given; those
    /// must stay valid until `backward` has run too.
    @discardableResult
    public func forward(
        images: UnsafePointer<Float>, count n: Int, weights: UnsafePointer<Float>, statistics: UnsafePointer<Float>? = nil
    ) -> UnsafePointer<Float> {
        precondition(n > 0 && n <= capacity, "batch of \(n) exceeds the network's capacity \(capacity)")
        for norm in norms { norm.running = statistics.map { $0 + norm.statisticsOffset } }
        var x = images
        if let stagedInput {
            lp_ncs_to_cns(images, Int32(spec.inputChannels), Int32(n), Int32(spec.inputShape[1] * spec.inputShape[2]), stagedInput)
            x = UnsafePointer(stagedInput)
        }
        input = x
        batch = n
        for (layer, y) in zip(layers, activations) {
            layer.forward(x: x, y: y, n: n, weights: weights)
            x = UnsafePointer(y)
        }
        return x
    }

    /// Logits of the last forward pass: [n, classes].
    public var logits: UnsafePointer<Float> { UnsafePointer(activations.last!) }

    /// Mean cross-entropy and correct count of the last forward pass. With `gradientWeight` it
    /// also seeds the backward pass with d(gradientWeight * loss)/d logits.
    public func crossEntropy(labels: UnsafePointer<Int32>, gradientWeight: Float? = nil) -> (loss: Double, correct: Int) {
        CrossEntropy.evaluate(
            logits: logits, labels: labels, n: batch, classes: spec.classes, weight: gradientWeight ?? 1,
            dLogits: gradientWeight == nil ? nil : gradientA)
    }

    /// Clamps each image's cross-entropy of the last forward pass at `clip` (`CrossEntropy.clampEach`):
    /// the mean of min(CE_i, clip); images above it drop out of the gradient seeded by
    /// `crossEntropy(labels:gradientWeight:)`, so call it between that and `backward`.
    public func clampEach(labels: UnsafePointer<Int32>, clip: Float) -> Double {
        CrossEntropy.clampEach(logits: logits, labels: labels, n: batch, classes: spec.classes, clip: clip, dLogits: gradientA)
    }

    /// Backpropagates the gradient seeded by `crossEntropy(labels:gradientWeight:)` and adds
    /// d(loss)/d(weights) into `gradient` [P].
    public func backward(weights: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>) {
        guard let input, !forwardOnly else { preconditionFailure("backward before forward, or on a forward-only network") }
        var dy = gradientA, dx = gradientB
        for i in layers.indices.reversed() {
            let x = i == 0 ? input : UnsafePointer(activations[i - 1])
            layers[i].backward(
                x: x, y: activations[i], dy: dy, dx: i == 0 ? nil : dx, n: batch, weights: weights, gradient: gradient)
            swap(&dy, &dx)
        }
    }
}

extension Network {
    /// Loss, correct count and (when `gradient` is given) the added gradient for one batch; the
    /// array-based entry point for tests and tools.
    public func lossAndGradient(
        images: [Float], labels: [Int32], weights: [Float], gradient: inout [Float]
    ) -> (loss: Double, correct: Int) {
        precondition(images.count == labels.count * spec.inputSize && weights.count == layout.count)
        return images.withUnsafeBufferPointer { x in
            weights.withUnsafeBufferPointer { w in
                labels.withUnsafeBufferPointer { y in
                    forward(images: x.baseAddress!, count: labels.count, weights: w.baseAddress!)
                    let result = crossEntropy(labels: y.baseAddress!, gradientWeight: 1)
                    gradient.withUnsafeMutableBufferPointer { backward(weights: w.baseAddress!, gradient: $0.baseAddress!) }
                    return result
                }
            }
        }
    }

    /// Loss and correct count, forward only.
    public func loss(images: [Float], labels: [Int32], weights: [Float]) -> (loss: Double, correct: Int) {
        precondition(images.count == labels.count * spec.inputSize && weights.count == layout.count)
        return images.withUnsafeBufferPointer { x in
            weights.withUnsafeBufferPointer { w in
                labels.withUnsafeBufferPointer { y in
                    forward(images: x.baseAddress!, count: labels.count, weights: w.baseAddress!)
                    return crossEntropy(labels: y.baseAddress!)
                }
            }
        }
    }
}
