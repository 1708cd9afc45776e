import CKernels

/// Adaptive average pool to k x k with PyTorch's windows [floor(i*n/k), ceil((i+1)*n/k)), which
/// overlap when shrinking and repeat inputs when growing (3x3 -> 4x4 in the paper's net), fused
/// with the flatten that hands over to the dense stack.
/// x: [C, N, H, W] -> y: [N, C*k*k] (PyTorch's flatten order).
final class AdaptiveAvgPool: Layer {
    let channels: Int, height: Int, width: Int, side: Int
    let compute: Compute

    var outputSize: Int { channels * side * side }

    init(channels: Int, height: Int, width: Int, side: Int, compute: Compute = .default) {
        precondition(side <= 64, "adaptive pool side \(side) > 64")
        self.channels = channels
        self.height = height
        self.width = width
        self.side = side
        self.compute = compute
    }

    func forward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, n: Int, weights: UnsafePointer<Float>) {
        lp_adaptive_avgpool_forward(compute.isa.level, x, Int32(channels), Int32(n), Int32(height), Int32(width), Int32(side), y)
    }

    func backward(
        x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafeMutablePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, n: Int, weights: UnsafePointer<Float>,
        gradient: UnsafeMutablePointer<Float>
    ) {
        guard let dx else { return }
        lp_adaptive_avgpool_backward(compute.isa.level, dy, Int32(channels), Int32(n), Int32(height), Int32(width), Int32(side), dx)
    }
}
