import CKernels

/// BatchNorm over channels with the statistics of the current batch, always (a point on an MPO
/// plane has no running statistics), biased variance, eps 1e-5. The stored scale is gamma - 1
/// (paper, appendix C) so that planes through it do not flip its sign. Optional fused ReLU.
/// x: [C, N, H, W] -> y: [C, N, H, W]; scale [C], shift [C].
final class BatchNorm: Layer {
    let channels: Int, hw: Int
    let scaleOffset: Int, shiftOffset: Int
    let relu: Bool
    let compute: Compute
    static let epsilon: Float = 1e-5
    private var mean: [Float], invstd: [Float]  // [C], from the last forward pass

    var outputSize: Int { channels * hw }

    init(channels: Int, hw: Int, scaleOffset: Int, shiftOffset: Int, relu: Bool, compute: Compute = .default) {
        self.compute = compute
        self.channels = channels
        self.hw = hw
        self.scaleOffset = scaleOffset
        self.shiftOffset = shiftOffset
        self.relu = relu
        mean = .init(repeating: 0, count: channels)
        invstd = .init(repeating: 0, count: channels)
    }

    func forward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, n: Int, weights: UnsafePointer<Float>) {
        let run = n * hw
        lp_batchnorm_forward(
            compute.isa.level, x, weights + scaleOffset, weights + shiftOffset, Int32(channels), run, Self.epsilon, y, &mean, &invstd)
        if relu { lp_bias_relu(compute.isa.level, y, nil, Int32(channels), run, y, 1) }
    }

    func backward(
        x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafeMutablePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, n: Int, weights: UnsafePointer<Float>,
        gradient: UnsafeMutablePointer<Float>
    ) {
        let run = n * hw
        if relu { lp_relu_backward(compute.isa.level, dy, y, channels * run, dy) }
        lp_batchnorm_backward(
            compute.isa.level, dy, x, weights + scaleOffset, mean, invstd, Int32(channels), run, dx ?? dy,
            gradient + scaleOffset, gradient + shiftOffset)
    }
}
