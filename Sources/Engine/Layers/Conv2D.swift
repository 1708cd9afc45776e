import CKernels

/// 3x3 convolution, stride 1, padding 1, with bias and an optional fused ReLU.
/// x: [C, N, H, W] -> y: [F, N, H, W]; weight [F, C, 3, 3] = [F, K] with K = 9C; bias [F].
/// Patches of a chunk of images are unfolded (im2col) and multiplied in one GEMM.
final class Conv2D: Layer {
    let inChannels: Int, outChannels: Int, height: Int, width: Int
    let weightOffset: Int, biasOffset: Int
    let relu: Bool
    /// Images unfolded at once: sized so the patch matrix stays in L2.
    let chunk: Int
    private let col: UnsafeMutablePointer<Float>  // [K, chunk * HW]

    var k: Int { inChannels * 9 }
    var hw: Int { height * width }
    var outputSize: Int { outChannels * hw }

    init(inChannels: Int, outChannels: Int, height: Int, width: Int, weightOffset: Int, biasOffset: Int,
         relu: Bool, capacity: Int) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.height = height
        self.width = width
        self.weightOffset = weightOffset
        self.biasOffset = biasOffset
        self.relu = relu
        let perImage = inChannels * 9 * height * width
        chunk = max(1, min(capacity, (1 << 18) / perImage))
        col = .allocate(capacity: perImage * chunk)
    }

    deinit { col.deallocate() }

    func forward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, n: Int, weights: UnsafePointer<Float>) {
        let ld = n * hw
        var n0 = 0
        while n0 < n {
            let nb = min(chunk, n - n0)
            lp_im2col3x3(x, Int32(inChannels), Int32(n), Int32(height), Int32(width), Int32(n0), Int32(nb), col)
            GEMM.multiply(
                m: outChannels, n: nb * hw, k: k, a: weights + weightOffset, lda: k, b: col, ldb: nb * hw,
                beta: 0, c: y + n0 * hw, ldc: ld)
            n0 += nb
        }
        lp_bias_relu(y, weights + biasOffset, Int32(outChannels), ld, y, relu ? 1 : 0)
    }

    func backward(
        x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafeMutablePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, n: Int, weights: UnsafePointer<Float>,
        gradient: UnsafeMutablePointer<Float>
    ) {
        let ld = n * hw
        if relu { lp_relu_backward(dy, y, outChannels * ld, dy) }
        lp_channel_sums_add(dy, Int32(outChannels), ld, gradient + biasOffset)
        if let dx { dx.initialize(repeating: 0, count: inChannels * ld) }
        var n0 = 0
        while n0 < n {
            let nb = min(chunk, n - n0)
            lp_im2col3x3(x, Int32(inChannels), Int32(n), Int32(height), Int32(width), Int32(n0), Int32(nb), col)
            // dW[F, K] += dy[F, cols] * col[K, cols]^T
            GEMM.multiply(
                transposeB: true, m: outChannels, n: k, k: nb * hw, a: dy + n0 * hw, lda: ld, b: col,
                ldb: nb * hw, beta: 1, c: gradient + weightOffset, ldc: k)
            if let dx {
                // dcol[K, cols] = W[F, K]^T * dy[F, cols], folded back onto the image grid
                GEMM.multiply(
                    transposeA: true, m: k, n: nb * hw, k: outChannels, a: weights + weightOffset, lda: k,
                    b: dy + n0 * hw, ldb: ld, beta: 0, c: col, ldc: nb * hw)
                lp_col2im3x3_add(col, Int32(inChannels), Int32(n), Int32(height), Int32(width), Int32(n0), Int32(nb), dx)
            }
            n0 += nb
        }
    }
}
