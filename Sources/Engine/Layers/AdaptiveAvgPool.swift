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

extension AdaptiveAvgPool {
    /// The plan's `nn.AdaptiveAvgPool2d(K)`: [C, H, W] -> [C, K, K]; computed with the
    /// `nn.Flatten` that follows it, writing [C·K·K].
    struct Module: PlanModule {
        /// K.
        let side: Int

        var kind: String { "adaptiveAvgPool" }

        func output(for x: [Int]) -> [Int] { [x[0], side, side] }

        func torch(for x: [Int]) -> TorchModule { TorchModule("AdaptiveAvgPool2d", [side]) }

        func fuses(_ next: ArraySlice<LayerPlan.Step>) -> Int { next.prefix(of: [Flatten.self]) }

        func layer(for run: ArraySlice<LayerPlan.Step>, capacity: Int, compute: Compute) -> Layer {
            precondition(run.count == 2, "the adaptive pool writes flattened features")
            let x = run.first!.input
            return AdaptiveAvgPool(channels: x[0], height: x[1], width: x[2], side: side, compute: compute)
        }

        /// Writes flattened features here too: the flatten after it has no layer of its own.
        func tangentLayer(for step: LayerPlan.Step, capacity: Int, compute: Compute) -> TangentLayer? {
            let x = step.input
            return TangentAdaptiveAvgPool(channels: x[0], height: x[1], width: x[2], side: side, compute: compute)
        }
    }
}
