import CKernels

/// 3x3 convolution, stride 1, padding 1, with bias and a fused epilogue.
/// x: [C, N, H, W] -> y: [F, N, H, W], or [F, N, H/2, W/2] with the max-pool epilogue;
/// weight [F, C, 3, 3] = [F, K] with K = 9C; bias [F].
/// Patches of a chunk of images are unfolded (im2col) and multiplied in one GEMM. With the max-pool
/// epilogue on an odd side, only the outputs the pool reads are computed: a 7x7 layer pooled to 3x3
/// needs its top-left 6x6 (27% fewer multiplies forward and backward; the dropped row and column
/// get no gradient).
final class Conv2D: Layer {
    enum Epilogue {
        /// y = conv + b (BatchNorm follows).
        case bias
        /// y = relu(conv + b).
        case biasReLU
        /// y = maxpool2(relu(conv + b)), computed as relu(maxpool2(conv) + b): one pass over the
        /// full-resolution output, which then needs no ReLU mask of its own.
        case biasReLUMaxPool
    }

    let inChannels: Int, outChannels: Int, height: Int, width: Int
    let weightOffset: Int, biasOffset: Int
    let epilogue: Epilogue
    let compute: Compute
    /// Images unfolded at once: sized so the patch matrix stays in L2.
    let chunk: Int
    private let col: UnsafeMutablePointer<Float>  // [K, chunk * HW]
    /// The weight gradient transposed, dW^T [K, F], accumulated over chunks: OpenBLAS runs this
    /// orientation 15-35% faster on the paper net's shapes (measured), then it is added back once.
    private let weightGradientT: UnsafeMutablePointer<Float>
    /// Max-pool epilogue only: one chunk's raw convolution [F, chunk, H, W] (forward), reused for
    /// its gradient (backward) — pooled while still in cache — and the winners [F, N, H/2, W/2].
    private let raw: UnsafeMutablePointer<Float>?
    private let winners: UnsafeMutablePointer<UInt8>?

    /// Floats of patch matrix unfolded at once (256 KB): measured fastest on conv shapes of the
    /// paper net; OpenBLAS slows down 5x on K = 9 GEMMs once the patches leave L2.
    static let chunkBudget = 1 << 16

    var k: Int { inChannels * 9 }
    /// Output positions computed: the whole plane, or the part a floor 2x2 max-pool reads.
    var outHeight: Int { epilogue == .biasReLUMaxPool ? height / 2 * 2 : height }
    var outWidth: Int { epilogue == .biasReLUMaxPool ? width / 2 * 2 : width }
    /// Columns per image of the patch matrix and the GEMM: outHeight * outWidth.
    var hw: Int { outHeight * outWidth }
    var pooledHW: Int { (height / 2) * (width / 2) }
    var outputSize: Int { epilogue == .biasReLUMaxPool ? outChannels * pooledHW : outChannels * hw }

    init(inChannels: Int, outChannels: Int, height: Int, width: Int, weightOffset: Int, biasOffset: Int,
         epilogue: Epilogue, capacity: Int, compute: Compute = .default, chunk: Int? = nil) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.height = height
        self.width = width
        self.weightOffset = weightOffset
        self.biasOffset = biasOffset
        self.epilogue = epilogue
        self.compute = compute
        let outputs = epilogue == .biasReLUMaxPool ? (height / 2 * 2) * (width / 2 * 2) : height * width
        let perImage = inChannels * 9 * outputs
        self.chunk = max(1, min(capacity, chunk ?? Conv2D.chunkBudget / perImage))
        col = .allocate(capacity: perImage * self.chunk)
        weightGradientT = .allocate(capacity: inChannels * 9 * outChannels)
        if epilogue == .biasReLUMaxPool {
            raw = .allocate(capacity: outChannels * outputs * self.chunk)
            winners = .allocate(capacity: outChannels * (height / 2) * (width / 2) * capacity)
        } else {
            raw = nil
            winners = nil
        }
    }

    deinit {
        col.deallocate()
        weightGradientT.deallocate()
        raw?.deallocate()
        winners?.deallocate()
    }

    private func unfold(_ x: UnsafePointer<Float>, n: Int, from n0: Int, count nb: Int) {
        lp_im2col3x3_window(
            compute.isa.level, x, Int32(inChannels), Int32(n), Int32(height), Int32(width), Int32(outHeight), Int32(outWidth),
            Int32(n0), Int32(nb), col)
    }

    func forward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, n: Int, weights: UnsafePointer<Float>) {
        let w = weights + weightOffset, bias = weights + biasOffset
        var n0 = 0
        while n0 < n {
            let nb = min(chunk, n - n0)
            unfold(x, n: n, from: n0, count: nb)
            if let raw, let winners {
                // raw[F, nb*HW] = W[F, K] * col[K, nb*HW], pooled into y[F, N, H/2, W/2] at image n0
                GEMM.multiply(compute, m: outChannels, n: nb * hw, k: k, a: w, lda: k, b: col, ldb: nb * hw, beta: 0, c: raw, ldc: nb * hw)
                lp_pool_bias_relu_forward(
                    compute.isa.level, raw, bias, Int32(outChannels), Int32(nb), Int32(outHeight), Int32(outWidth), y + n0 * pooledHW,
                    winners + n0 * pooledHW, n * pooledHW)
            } else {
                GEMM.multiply(compute, m: outChannels, n: nb * hw, k: k, a: w, lda: k, b: col, ldb: nb * hw, beta: 0, c: y + n0 * hw, ldc: n * hw)
            }
            n0 += nb
        }
        switch epilogue {
        case .bias: lp_bias_relu(compute.isa.level, y, bias, Int32(outChannels), n * hw, y, 0)
        case .biasReLU: lp_bias_relu(compute.isa.level, y, bias, Int32(outChannels), n * hw, y, 1)
        case .biasReLUMaxPool: break
        }
    }

    func backward(
        x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafeMutablePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, n: Int, weights: UnsafePointer<Float>,
        gradient: UnsafeMutablePointer<Float>
    ) {
        let w = weights + weightOffset, dW = gradient + weightOffset, dBias = gradient + biasOffset
        switch epilogue {
        case .bias:
            lp_channel_sums_add(compute.isa.level, dy, Int32(outChannels), n * hw, dBias)
        case .biasReLU:
            lp_relu_backward(compute.isa.level, dy, y, outChannels * n * hw, dy)
            lp_channel_sums_add(compute.isa.level, dy, Int32(outChannels), n * hw, dBias)
        case .biasReLUMaxPool:
            break  // per chunk below
        }
        if let dx { dx.initialize(repeating: 0, count: inChannels * n * height * width) }
        var n0 = 0
        while n0 < n {
            let nb = min(chunk, n - n0)
            // dOut: the gradient at this chunk's convolution output, [F, nb*HW] with row stride ld.
            let dOut: UnsafeMutablePointer<Float>, ld: Int
            if let raw, let winners {
                lp_pool_bias_relu_backward(
                    compute.isa.level, dy + n0 * pooledHW, winners + n0 * pooledHW, Int32(outChannels), Int32(nb),
                    Int32(outHeight), Int32(outWidth), n * pooledHW, raw, dBias)
                (dOut, ld) = (raw, nb * hw)
            } else {
                (dOut, ld) = (dy + n0 * hw, n * hw)
            }
            unfold(x, n: n, from: n0, count: nb)
            // dW^T[K, F] (+)= col[K, cols] * dOut[F, cols]^T
            GEMM.multiply(
                compute, transposeB: true, m: k, n: outChannels, k: nb * hw, a: col, lda: nb * hw, b: dOut, ldb: ld,
                beta: n0 == 0 ? 0 : 1, c: weightGradientT, ldc: outChannels)
            if let dx {
                // dcol[K, cols] = W[F, K]^T * dOut[F, cols], folded back onto the image grid
                GEMM.multiply(compute, transposeA: true, m: k, n: nb * hw, k: outChannels, a: w, lda: k, b: dOut, ldb: ld, beta: 0, c: col, ldc: nb * hw)
                lp_col2im3x3_window_add(
                    compute.isa.level, col, Int32(inChannels), Int32(n), Int32(height), Int32(width), Int32(outHeight),
                    Int32(outWidth), Int32(n0), Int32(nb), dx)
            }
            n0 += nb
        }
        lp_add_transposed(weightGradientT, Int32(k), Int32(outChannels), dW)
    }
}

extension Conv2D {
    /// The plan's `nn.Conv2d(C, F, 3, padding=1)`: [C, H, W] -> [F, H, W]; weight [F, C, 3, 3]
    /// and bias [F], both uniform(±1/sqrt(9C)); 2·F·9C·H·W FLOPs. A ReLU right after it, and a
    /// max-pool after that, run as its epilogue.
    struct Module: PlanModule {
        /// F.
        let channels: Int

        var kind: String { "conv3x3" }

        func output(for x: [Int]) -> [Int] { [channels, x[1], x[2]] }

        func parameters(for x: [Int]) -> [ParameterTensor] {
            let fanIn = x[0] * 9
            return [.init("weight", [channels, x[0], 3, 3], .uniform(fanIn: fanIn)), .init("bias", [channels], .uniform(fanIn: fanIn))]
        }

        func forwardFLOPs(for x: [Int]) -> Double { 2 * Double(channels) * Double(x[0] * 9) * Double(x[1] * x[2]) }

        func torch(for x: [Int]) -> TorchModule { TorchModule("Conv2d", [x[0], channels], ["kernel_size": 3, "padding": 1]) }

        func fuses(_ next: ArraySlice<LayerPlan.Step>) -> Int { next.prefix(of: [ReLU.self, MaxPool2.Module.self]) }

        func layer(for run: ArraySlice<LayerPlan.Step>, capacity: Int, compute: Compute) -> Layer {
            let step = run.first!, x = step.input, p = step.parameters
            let epilogue: Epilogue = [.bias, .biasReLU, .biasReLUMaxPool][run.count - 1]
            return Conv2D(
                inChannels: x[0], outChannels: channels, height: x[1], width: x[2], weightOffset: p[0].offset,
                biasOffset: p[1].offset, epilogue: epilogue, capacity: capacity, compute: compute)
        }

        func tangentLayer(for step: LayerPlan.Step, capacity: Int, compute: Compute) -> TangentLayer? {
            let x = step.input, p = step.parameters
            return TangentConv2D(
                inChannels: x[0], outChannels: channels, height: x[1], width: x[2], weightOffset: p[0].offset,
                biasOffset: p[1].offset, capacity: capacity, compute: compute)
        }
    }
}
