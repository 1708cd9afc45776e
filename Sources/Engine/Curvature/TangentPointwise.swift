import CKernels

/// ReLU and its R-operator, linear where it is differentiated: with the mask m = [y > 0]
/// (the mask the engine's backward uses), R{y} = m·R{x}, dx = m·dy, R{dx} = m·R{dy}.
/// x: any shape -> y: the same; `size` floats per image.
final class TangentReLU: TangentLayer {
    let size: Int
    let compute: Compute
    var outputSize: Int { size }

    init(size: Int, compute: Compute) { (self.size, self.compute) = (size, compute) }

    func forward(
        x: UnsafePointer<Float>, rx: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, ry: UnsafeMutablePointer<Float>,
        n: Int, weights: UnsafePointer<Float>, direction: UnsafePointer<Float>
    ) {
        lp_bias_relu(compute.isa.level, x, nil, 1, n * size, y, 1)
        if let rx { lp_relu_backward(compute.isa.level, rx, y, n * size, ry) } else { ry.initialize(repeating: 0, count: n * size) }
    }

    func backward(
        x: UnsafePointer<Float>, rx: UnsafePointer<Float>?, y: UnsafePointer<Float>, ry: UnsafePointer<Float>,
        dy: UnsafeMutablePointer<Float>, rdy: UnsafeMutablePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, rdx: UnsafeMutablePointer<Float>?, n: Int,
        weights: UnsafePointer<Float>, direction: UnsafePointer<Float>,
        hv: UnsafeMutablePointer<Float>, gradient: UnsafeMutablePointer<Float>?
    ) {
        guard let dx, let rdx else { return }
        lp_relu_backward(compute.isa.level, dy, y, n * size, dx)
        lp_relu_backward(compute.isa.level, rdy, y, n * size, rdx)
    }
}

/// 2x2 max-pool (stride 2, floor, first maximum wins) and its R-operator: the winners held,
/// R{y} gathers R{x} from them and both gradients scatter back to them.
/// x: [C, N, H, W] -> y: [C, N, H/2, W/2].
final class TangentMaxPool2: TangentLayer {
    let channels: Int, height: Int, width: Int
    private let winners: UnsafeMutablePointer<UInt8>  // [C, N, H/2, W/2], 0...3 as lp_maxpool2_forward writes them

    var outputSize: Int { channels * (height / 2) * (width / 2) }

    init(channels: Int, height: Int, width: Int, capacity: Int) {
        (self.channels, self.height, self.width) = (channels, height, width)
        winners = .allocate(capacity: channels * (height / 2) * (width / 2) * capacity)
    }

    deinit { winners.deallocate() }

    func forward(
        x: UnsafePointer<Float>, rx: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, ry: UnsafeMutablePointer<Float>,
        n: Int, weights: UnsafePointer<Float>, direction: UnsafePointer<Float>
    ) {
        lp_maxpool2_forward(x, Int32(channels * n), Int32(height), Int32(width), y, winners)
        let (oh, ow) = (height / 2, width / 2)
        guard let rx else { return ry.initialize(repeating: 0, count: n * outputSize) }
        for p in 0..<(channels * n) {
            let r = rx + p * height * width, out = ry + p * oh * ow, arg = winners + p * oh * ow
            for i in 0..<oh {
                for j in 0..<ow {
                    let a = Int(arg[i * ow + j])
                    out[i * ow + j] = r[(2 * i + (a >> 1)) * width + 2 * j + (a & 1)]
                }
            }
        }
    }

    func backward(
        x: UnsafePointer<Float>, rx: UnsafePointer<Float>?, y: UnsafePointer<Float>, ry: UnsafePointer<Float>,
        dy: UnsafeMutablePointer<Float>, rdy: UnsafeMutablePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, rdx: UnsafeMutablePointer<Float>?, n: Int,
        weights: UnsafePointer<Float>, direction: UnsafePointer<Float>,
        hv: UnsafeMutablePointer<Float>, gradient: UnsafeMutablePointer<Float>?
    ) {
        guard let dx, let rdx else { return }
        lp_maxpool2_backward(dy, winners, Int32(channels * n), Int32(height), Int32(width), dx)
        lp_maxpool2_backward(rdy, winners, Int32(channels * n), Int32(height), Int32(width), rdx)
    }
}

/// Adaptive average pool to k x k fused with the flatten after it, as `AdaptiveAvgPool`; being
/// linear and weightless, its R-operator is itself. x: [C, N, H, W] -> y: [N, C*k*k].
final class TangentAdaptiveAvgPool: TangentLayer {
    let channels: Int, height: Int, width: Int, side: Int

    var outputSize: Int { channels * side * side }

    /// The ISA level its kernels run at (the network's).
    let isa: Int32

    init(channels: Int, height: Int, width: Int, side: Int, compute: Compute) {
        (self.channels, self.height, self.width, self.side) = (channels, height, width, side)
        isa = compute.isa.level
    }

    func forward(
        x: UnsafePointer<Float>, rx: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, ry: UnsafeMutablePointer<Float>,
        n: Int, weights: UnsafePointer<Float>, direction: UnsafePointer<Float>
    ) {
        lp_adaptive_avgpool_forward(isa, x, Int32(channels), Int32(n), Int32(height), Int32(width), Int32(side), y)
        if let rx {
            lp_adaptive_avgpool_forward(isa, rx, Int32(channels), Int32(n), Int32(height), Int32(width), Int32(side), ry)
        } else {
            ry.initialize(repeating: 0, count: n * outputSize)
        }
    }

    func backward(
        x: UnsafePointer<Float>, rx: UnsafePointer<Float>?, y: UnsafePointer<Float>, ry: UnsafePointer<Float>,
        dy: UnsafeMutablePointer<Float>, rdy: UnsafeMutablePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, rdx: UnsafeMutablePointer<Float>?, n: Int,
        weights: UnsafePointer<Float>, direction: UnsafePointer<Float>,
        hv: UnsafeMutablePointer<Float>, gradient: UnsafeMutablePointer<Float>?
    ) {
        guard let dx, let rdx else { return }
        lp_adaptive_avgpool_backward(isa, dy, Int32(channels), Int32(n), Int32(height), Int32(width), Int32(side), dx)
        lp_adaptive_avgpool_backward(isa, rdy, Int32(channels), Int32(n), Int32(height), Int32(width), Int32(side), rdx)
    }
}
