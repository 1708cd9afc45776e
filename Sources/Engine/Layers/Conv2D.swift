import CKernels

/// 3x3 convolution, stride 1, padding 1, with bias and a fused epilogue.
/// x: [C, N, H, W] -> y: [F, N, H, W], or [F, N, H/2, W/2] with the max-pool epilogue;
/// weight [F, C, 3, 3] = [F, K] with K = 9C; bias [F].
/// Patches of a chunk of images are unfolded (im2col) and multiplied in one GEMM.
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
    /// Images unfolded at once: sized so the patch matrix stays in L2.
    let chunk: Int
    private let col: UnsafeMutablePointer<Float>  // [K, chunk * HW]
    /// Max-pool epilogue only: the raw convolution [F, N, H, W] (forward), reused for its gradient
    /// (backward), and the pool winners [F, N, H/2, W/2].
    private let full: UnsafeMutablePointer<Float>?
    private let winners: UnsafeMutablePointer<UInt8>?

    /// Floats of patch matrix unfolded at once (256 KB): measured fastest on conv shapes of the
    /// paper net; OpenBLAS slows down 5x on K = 9 GEMMs once the patches leave L2.
    static let chunkBudget = 1 << 16

    var k: Int { inChannels * 9 }
    var hw: Int { height * width }
    var outputSize: Int { epilogue == .biasReLUMaxPool ? outChannels * (height / 2) * (width / 2) : outChannels * hw }

    init(inChannels: Int, outChannels: Int, height: Int, width: Int, weightOffset: Int, biasOffset: Int,
         epilogue: Epilogue, capacity: Int, chunk: Int? = nil) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.height = height
        self.width = width
        self.weightOffset = weightOffset
        self.biasOffset = biasOffset
        self.epilogue = epilogue
        let perImage = inChannels * 9 * height * width
        self.chunk = max(1, min(capacity, chunk ?? Conv2D.chunkBudget / perImage))
        col = .allocate(capacity: perImage * self.chunk)
        if epilogue == .biasReLUMaxPool {
            full = .allocate(capacity: outChannels * height * width * capacity)
            winners = .allocate(capacity: outChannels * (height / 2) * (width / 2) * capacity)
        } else {
            full = nil
            winners = nil
        }
    }

    deinit {
        col.deallocate()
        full?.deallocate()
        winners?.deallocate()
    }

    func forward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, n: Int, weights: UnsafePointer<Float>) {
        let ld = n * hw
        let out = full ?? y
        var n0 = 0
        while n0 < n {
            let nb = min(chunk, n - n0)
            lp_im2col3x3(x, Int32(inChannels), Int32(n), Int32(height), Int32(width), Int32(n0), Int32(nb), col)
            GEMM.multiply(
                m: outChannels, n: nb * hw, k: k, a: weights + weightOffset, lda: k, b: col, ldb: nb * hw,
                beta: 0, c: out + n0 * hw, ldc: ld)
            n0 += nb
        }
        let bias = weights + biasOffset
        switch epilogue {
        case .bias: lp_bias_relu(y, bias, Int32(outChannels), ld, y, 0)
        case .biasReLU: lp_bias_relu(y, bias, Int32(outChannels), ld, y, 1)
        case .biasReLUMaxPool:
            lp_pool_bias_relu_forward(out, bias, Int32(outChannels), Int32(n), Int32(height), Int32(width), y, winners)
        }
    }

    func backward(
        x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafeMutablePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, n: Int, weights: UnsafePointer<Float>,
        gradient: UnsafeMutablePointer<Float>
    ) {
        let ld = n * hw
        // dOut: the gradient at the convolution's full-resolution output [F, N, H, W].
        let dOut: UnsafeMutablePointer<Float>
        switch epilogue {
        case .bias:
            dOut = dy
            lp_channel_sums_add(dy, Int32(outChannels), ld, gradient + biasOffset)
        case .biasReLU:
            dOut = dy
            lp_relu_backward(dy, y, outChannels * ld, dy)
            lp_channel_sums_add(dy, Int32(outChannels), ld, gradient + biasOffset)
        case .biasReLUMaxPool:
            dOut = full!
            lp_pool_bias_relu_backward(
                dy, winners, Int32(outChannels), Int32(n), Int32(height), Int32(width), dOut, gradient + biasOffset)
        }
        if let dx { dx.initialize(repeating: 0, count: inChannels * ld) }
        var n0 = 0
        while n0 < n {
            let nb = min(chunk, n - n0)
            lp_im2col3x3(x, Int32(inChannels), Int32(n), Int32(height), Int32(width), Int32(n0), Int32(nb), col)
            // dW[F, K] += dOut[F, cols] * col[K, cols]^T
            GEMM.multiply(
                transposeB: true, m: outChannels, n: k, k: nb * hw, a: dOut + n0 * hw, lda: ld, b: col,
                ldb: nb * hw, beta: 1, c: gradient + weightOffset, ldc: k)
            if let dx {
                // dcol[K, cols] = W[F, K]^T * dOut[F, cols], folded back onto the image grid
                GEMM.multiply(
                    transposeA: true, m: k, n: nb * hw, k: outChannels, a: weights + weightOffset, lda: k,
                    b: dOut + n0 * hw, ldb: ld, beta: 0, c: col, ldc: nb * hw)
                lp_col2im3x3_add(col, Int32(inChannels), Int32(n), Int32(height), Int32(width), Int32(n0), Int32(nb), dx)
            }
            n0 += nb
        }
    }
}
