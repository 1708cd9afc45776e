import CKernels
import Foundation

/// A network that computes exact Hessian-vector products of the cross-entropy: one forward pass
/// that carries the directional derivatives R{·} along v beside the activations, then one backward
/// pass that carries R{gradient} beside the gradient (Pearlmutter 1994; what PyTorch's double
/// backward computes). Its layers (`TangentLayer`) are the `LayerPlan`'s steps one by one —
/// no fused epilogues — built from the same plan and reading the same flat weight vector as
/// `Network`, with fp32 GEMMs whatever the run's precision (a Hessian's small eigenvalues would
/// drown in bf16 rounding). For an image batch of at most `capacity` at a time; one thread.
public final class HessianNetwork {
    public let spec: ModelSpec
    public let plan: LayerPlan
    public let layout: ParameterLayout
    public let capacity: Int
    public let compute: Compute
    let layers: [TangentLayer]
    /// activations[i], tangents[i]: layer i's output and its R{·}, [capacity * layers[i].outputSize].
    private let activations: [UnsafeMutablePointer<Float>], tangents: [UnsafeMutablePointer<Float>]
    /// [capacity, C*H*W] staging for inputs with more than one channel (NCHW -> CNHW).
    private let stagedInput: UnsafeMutablePointer<Float>?
    /// Gradient buffers used alternately going back, and their R{·}: [capacity * widest].
    private let gradientA: UnsafeMutablePointer<Float>, gradientB: UnsafeMutablePointer<Float>
    private let tangentA: UnsafeMutablePointer<Float>, tangentB: UnsafeMutablePointer<Float>

    /// `isa`: the level the kernels may use (the process's by default); the precision is fp32.
    public init(spec: ModelSpec, capacity: Int, isa: ISA = .default) throws {
        try spec.validate()
        precondition(capacity > 0)
        self.spec = spec
        self.capacity = capacity
        compute = Compute(isa: isa, precision: .fp32)
        plan = LayerPlan(spec)
        layout = ParameterLayout(plan)
        layers = Self.build(plan, capacity: capacity, compute: compute)
        activations = layers.map { .allocate(capacity: capacity * $0.outputSize) }
        tangents = layers.map { .allocate(capacity: capacity * $0.outputSize) }
        let widest = max(spec.inputSize, layers.map(\.outputSize).max()!) * capacity
        (gradientA, gradientB, tangentA, tangentB) = (.allocate(capacity: widest), .allocate(capacity: widest), .allocate(capacity: widest), .allocate(capacity: widest))
        stagedInput = spec.inputChannels > 1 ? .allocate(capacity: capacity * spec.inputSize) : nil
    }

    deinit {
        (activations + tangents).forEach { $0.deallocate() }
        [gradientA, gradientB, tangentA, tangentB].forEach { $0.deallocate() }
        stagedInput?.deallocate()
    }

    /// Bytes a network of `capacity` images holds: two activations per step and four gradient
    /// buffers of the widest step (the layers' own workspaces are small beside them).
    public static func bytes(_ spec: ModelSpec, capacity: Int) -> Double {
        let steps = LayerPlan(spec).steps.filter { !$0.isReshape }.map(\.outputSize)
        let widest = max(spec.inputSize, steps.max() ?? 0)
        return 4 * Double(capacity) * Double(2 * steps.reduce(0, +) + 4 * widest + spec.inputSize)
    }

    /// One layer per step but the reshapes, made by the step's module (`PlanModule.tangentLayer`).
    private static func build(_ plan: LayerPlan, capacity: Int, compute: Compute) -> [TangentLayer] {
        plan.steps.compactMap { $0.module.tangentLayer(for: $0, capacity: capacity, compute: compute) }
    }

    /// For the objective L = scale · Σ_i CE(f(x_i; w), y_i) over images [n, C, H, W] (NCHW) with
    /// labels [n], adds H·v = ∂²L/∂w² · v into `hessianVector` [P] and, when given, ∂L/∂w into
    /// `gradient` [P]. `scale` = 1/N makes L the mean over N images, whichever chunk this is.
    /// Returns Σ_i CE (unscaled) and the correct count.
    @discardableResult
    public func accumulate(
        images: UnsafePointer<Float>, labels: UnsafePointer<Int32>, count n: Int, weights: UnsafePointer<Float>,
        direction v: UnsafePointer<Float>, scale: Float, hessianVector hv: UnsafeMutablePointer<Float>,
        gradient: UnsafeMutablePointer<Float>? = nil
    ) -> (lossSum: Double, correct: Int) {
        precondition(n > 0 && n <= capacity, "batch of \(n) exceeds the network's capacity \(capacity)")
        var input = images
        if let stagedInput {
            lp_ncs_to_cns(images, Int32(spec.inputChannels), Int32(n), Int32(spec.inputShape[1] * spec.inputShape[2]), stagedInput)
            input = UnsafePointer(stagedInput)
        }
        for i in layers.indices {
            layers[i].forward(
                x: i == 0 ? input : UnsafePointer(activations[i - 1]), rx: i == 0 ? nil : UnsafePointer(tangents[i - 1]),
                y: activations[i], ry: tangents[i], n: n, weights: weights, direction: v)
        }
        var dy = gradientA, dx = gradientB, rdy = tangentA, rdx = tangentB
        let result = TangentCrossEntropy.seed(
            logits: activations.last!, tangent: tangents.last!, labels: labels, n: n, classes: spec.classes, scale: scale,
            dLogits: dy, dTangent: rdy)
        for i in layers.indices.reversed() {
            let first = i == 0
            layers[i].backward(
                x: first ? input : UnsafePointer(activations[i - 1]), rx: first ? nil : UnsafePointer(tangents[i - 1]),
                y: activations[i], ry: tangents[i], dy: dy, rdy: rdy, dx: first ? nil : dx, rdx: first ? nil : rdx, n: n,
                weights: weights, direction: v, hv: hv, gradient: gradient)
            swap(&dy, &dx)
            swap(&rdy, &rdx)
        }
        return result
    }
}

/// The cross-entropy's gradient and its R{·}, per image with p = softmax(z):
///     ∂L/∂z = scale·(p − onehot(y)),   R{∂L/∂z} = scale·(p ⊙ R{z} − p·⟨p, R{z}⟩).
enum TangentCrossEntropy {
    /// logits, tangent, dLogits, dTangent: [n, classes]. Returns Σ_i CE and the correct count.
    static func seed(
        logits z: UnsafePointer<Float>, tangent rz: UnsafePointer<Float>, labels: UnsafePointer<Int32>, n: Int, classes: Int,
        scale: Float, dLogits: UnsafeMutablePointer<Float>, dTangent: UnsafeMutablePointer<Float>
    ) -> (lossSum: Double, correct: Int) {
        var correct: Int32 = 0
        let total = lp_softmax_cross_entropy(z, labels, Int32(n), Int32(classes), scale, dLogits, &correct)
        var p = [Double](repeating: 0, count: classes)
        for i in 0..<n {
            let row = z + i * classes, r = rz + i * classes
            var top = -Double.infinity
            for j in 0..<classes { top = max(top, Double(row[j])) }
            var sum = 0.0
            for j in 0..<classes {
                p[j] = exp(Double(row[j]) - top)
                sum += p[j]
            }
            var pr = 0.0
            for j in 0..<classes {
                p[j] /= sum
                pr += p[j] * Double(r[j])
            }
            for j in 0..<classes { dTangent[i * classes + j] = Float(Double(scale) * p[j] * (Double(r[j]) - pr)) }
        }
        return (total, Int(correct))
    }
}
