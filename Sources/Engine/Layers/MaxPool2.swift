import CKernels

/// 2x2 max-pool, stride 2, floor (odd trailing rows/columns are dropped, as in PyTorch).
/// x: [C, N, H, W] -> y: [C, N, H/2, W/2]. Remembers each window's winner for the backward pass.
final class MaxPool2: Layer {
    let channels: Int, height: Int, width: Int
    private let winners: UnsafeMutablePointer<UInt8>  // [C, N, H/2, W/2]

    var outputSize: Int { channels * (height / 2) * (width / 2) }

    init(channels: Int, height: Int, width: Int, capacity: Int) {
        self.channels = channels
        self.height = height
        self.width = width
        winners = .allocate(capacity: channels * (height / 2) * (width / 2) * capacity)
    }

    deinit { winners.deallocate() }

    func forward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, n: Int, weights: UnsafePointer<Float>) {
        lp_maxpool2_forward(x, Int32(channels * n), Int32(height), Int32(width), y, winners)
    }

    func backward(
        x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafeMutablePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, n: Int, weights: UnsafePointer<Float>,
        gradient: UnsafeMutablePointer<Float>
    ) {
        guard let dx else { return }
        lp_maxpool2_backward(dy, winners, Int32(channels * n), Int32(height), Int32(width), dx)
    }
}

extension MaxPool2 {
    /// The plan's `nn.MaxPool2d(2, 2)`: [C, H, W] -> [C, H/2, W/2] (floor); keeps one byte per
    /// output (the winner) for the backward pass. Alone only after BatchNorm: a convolution's
    /// ReLU fuses it otherwise.
    struct Module: PlanModule {
        var kind: String { "maxPool2" }

        func output(for x: [Int]) -> [Int] { [x[0], x[1] / 2, x[2] / 2] }  // floor, as PyTorch

        func savedBytes(for x: [Int]) -> Int { output(for: x).reduce(1, *) }

        func torch(for x: [Int]) -> TorchModule { TorchModule("MaxPool2d", [2, 2]) }

        func layer(for run: ArraySlice<LayerPlan.Step>, capacity: Int, compute: Compute) -> Layer {
            let x = run.first!.input
            return MaxPool2(channels: x[0], height: x[1], width: x[2], capacity: capacity)
        }

        func tangentLayer(for step: LayerPlan.Step, capacity: Int, compute: Compute) -> TangentLayer? {
            let x = step.input
            return TangentMaxPool2(channels: x[0], height: x[1], width: x[2], capacity: capacity)
        }
    }
}
