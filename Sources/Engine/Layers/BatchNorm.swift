import CKernels
import Foundation

/// BatchNorm over channels, eps 1e-5 (PyTorch's), optional fused ReLU. The stored scale is
/// gamma - 1 (paper, appendix C) so that planes through it do not flip its sign.
/// x: [C, N, H, W] -> y: [C, N, H, W]; scale [C], shift [C]; running statistics [2C] (mean, var).
///
/// Two ways to normalise (DESIGN.md §9):
///   batch statistics (`running == nil`, PyTorch's train mode): the mean and biased variance of
///     the batch being passed, what a point on an MPO plane has (it has no running statistics);
///   fixed statistics (`running` set, PyTorch's eval mode): a model's running mean and variance,
///     y = gamma (x - running_mean) / sqrt(running_var + eps) + beta, each image on its own.
final class BatchNorm: Layer {
    let channels: Int, hw: Int
    let scaleOffset: Int, shiftOffset: Int
    /// This layer's place in the net's running statistics (`StatisticsLayout`).
    let statisticsOffset: Int
    let relu: Bool
    let compute: Compute
    static let epsilon: Float = 1e-5
    /// The running mean [C] and variance [C] the next passes normalise with; nil: each batch's
    /// own. Owned by the caller (`Network.forward`), valid until the backward pass has run.
    var running: UnsafePointer<Float>?
    /// From the last forward pass with batch statistics: mean [C] and 1/sqrt(biased var + eps) [C].
    private var mean: [Float], invstd: [Float]
    /// Elements per channel in the last batch (N·H·W).
    private var elements = 0

    var outputSize: Int { channels * hw }

    init(
        channels: Int, hw: Int, scaleOffset: Int, shiftOffset: Int, statisticsOffset: Int = 0, relu: Bool, compute: Compute = .default
    ) {
        self.compute = compute
        self.channels = channels
        self.hw = hw
        self.scaleOffset = scaleOffset
        self.shiftOffset = shiftOffset
        self.statisticsOffset = statisticsOffset
        self.relu = relu
        mean = .init(repeating: 0, count: channels)
        invstd = .init(repeating: 0, count: channels)
    }

    func forward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, n: Int, weights: UnsafePointer<Float>) {
        let run = n * hw
        elements = run
        if let running {
            // Per channel one multiply-add: a = gamma / sqrt(var + eps), b = beta - mean·a.
            let scale = weights + scaleOffset, shift = weights + shiftOffset
            for c in 0..<channels {
                let (a, b) = Self.affine(gammaStored: scale[c], beta: shift[c], mean: running[c], variance: running[channels + c])
                let xc = x + c * run, yc = y + c * run
                for i in 0..<run { yc[i] = xc[i] * a + b }
            }
        } else {
            lp_batchnorm_forward(
                compute.isa.level, x, weights + scaleOffset, weights + shiftOffset, Int32(channels), run, Self.epsilon, y, &mean, &invstd)
        }
        if relu { lp_bias_relu(compute.isa.level, y, nil, Int32(channels), run, y, 1) }
    }

    /// gamma / sqrt(var + eps) and beta - mean·gamma / sqrt(var + eps), in double then rounded.
    static func affine(gammaStored: Float, beta: Float, mean: Float, variance: Float) -> (a: Float, b: Float) {
        let a = (Double(gammaStored) + 1) / (Double(variance) + Double(epsilon)).squareRoot()
        return (Float(a), Float(Double(beta) - Double(mean) * a))
    }

    /// The last batch pass's statistics as PyTorch's running buffers take them: mean [C] into
    /// s[0..<C], the unbiased variance (biased · m/(m-1), m = N·H·W) [C] into s[C..<2C]. The
    /// biased variance comes back from 1/invstd² - eps (the kernel keeps invstd for the backward
    /// pass): in double, about 1e-7 of var + eps from the float it was rounded to.
    func batchStatistics(into s: UnsafeMutablePointer<Float>) {
        precondition(running == nil && elements > 0, "batch statistics of a pass that used running statistics")
        let unbias = elements > 1 ? Double(elements) / Double(elements - 1) : 1
        for c in 0..<channels {
            let biased = max(0, 1 / (Double(invstd[c]) * Double(invstd[c])) - Double(Self.epsilon))
            s[c] = mean[c]
            s[channels + c] = Float(biased * unbias)
        }
    }

    func backward(
        x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafeMutablePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, n: Int, weights: UnsafePointer<Float>,
        gradient: UnsafeMutablePointer<Float>
    ) {
        let run = n * hw
        if relu { lp_relu_backward(compute.isa.level, dy, y, channels * run, dy) }
        if let running {
            // Fixed statistics: y = a·x + b per channel, images independent.
            //   dgamma' += Σ dy·(x - mean)/sqrt(var + eps), dbeta += Σ dy, dx = a·dy.
            let scale = weights + scaleOffset, shift = weights + shiftOffset
            for c in 0..<channels {
                let m = running[c], inv = Float(1 / (Double(running[channels + c]) + Double(Self.epsilon)).squareRoot())
                let (a, _) = Self.affine(gammaStored: scale[c], beta: shift[c], mean: m, variance: running[channels + c])
                let d = dy + c * run, xc = x + c * run
                var sd = 0.0, sdx = 0.0
                for i in 0..<run {
                    sd += Double(d[i])
                    sdx += Double(d[i]) * Double((xc[i] - m) * inv)
                }
                gradient[scaleOffset + c] += Float(sdx)
                gradient[shiftOffset + c] += Float(sd)
                if let dx { for i in 0..<run { dx[c * run + i] = a * d[i] } }
            }
            return
        }
        lp_batchnorm_backward(
            compute.isa.level, dy, x, weights + scaleOffset, mean, invstd, Int32(channels), run, dx ?? dy,
            gradient + scaleOffset, gradient + shiftOffset)
    }
}

extension BatchNorm {
    /// The plan's `nn.BatchNorm2d(C)`: [C, H, W] -> [C, H, W]; scale [C] (PyTorch's weight, stored
    /// as gamma - 1) and shift [C], both 0 at the start (gamma 1, beta 0); running statistics of
    /// its C channels. A ReLU right after it runs fused.
    struct Module: PlanModule {
        var kind: String { "batchNorm" }

        func output(for x: [Int]) -> [Int] { x }

        func parameters(for x: [Int]) -> [ParameterTensor] {
            [.init("weight", [x[0]], .zeros, torchOffset: 1), .init("bias", [x[0]], .zeros)]
        }

        func statisticsChannels(for x: [Int]) -> Int { x[0] }

        func torch(for x: [Int]) -> TorchModule { TorchModule("BatchNorm2d", [x[0]]) }

        func fuses(_ next: ArraySlice<LayerPlan.Step>) -> Int { next.prefix(of: [ReLU.self]) }

        func layer(for run: ArraySlice<LayerPlan.Step>, capacity: Int, compute: Compute) -> Layer {
            let step = run.first!, x = step.input, p = step.parameters
            return BatchNorm(
                channels: x[0], hw: x[1] * x[2], scaleOffset: p[0].offset, shiftOffset: p[1].offset,
                statisticsOffset: step.statistics!.offset, relu: run.count > 1, compute: compute)
        }

        func tangentLayer(for step: LayerPlan.Step, capacity: Int, compute: Compute) -> TangentLayer? {
            let x = step.input, p = step.parameters
            return TangentBatchNorm(channels: x[0], hw: x[1] * x[2], scaleOffset: p[0].offset, shiftOffset: p[1].offset, compute: compute)
        }
    }
}

extension BatchNorm: StatisticsLayer {}
