import CKernels

/// 3x3 convolution, stride 1, padding 1, with bias, and its R-operator (`TangentLayer`); no fused
/// epilogue (its ReLU and max-pool are layers of their own here).
/// x: [C, N, H, W] -> y: [F, N, H, W]; weight W [F, C, 3, 3] = [F, K] with K = 9C; bias b [F];
/// the direction's parts V [F, K] and vb [F].
///
///     y = W·col(x) + b                 R{y} = W·col(R{x}) + V·col(x) + vb
///     dx = col⁻¹(Wᵀ·dy)                R{dx} = col⁻¹(Wᵀ·R{dy} + Vᵀ·dy)
///     ∂L/∂W = dy·col(x)ᵀ              R{∂L/∂W} = R{dy}·col(x)ᵀ + dy·col(R{x})ᵀ
/// (col = im2col, col⁻¹ its adjoint), chunk by chunk of images as `Conv2D` does.
final class TangentConv2D: TangentLayer {
    let inChannels: Int, outChannels: Int, height: Int, width: Int
    let weightOffset: Int, biasOffset: Int
    let compute: Compute
    /// Images unfolded at once (the patch matrix stays in L2, as `Conv2D.chunkBudget`).
    let chunk: Int
    private let col: UnsafeMutablePointer<Float>, rcol: UnsafeMutablePointer<Float>  // [K, chunk * HW]
    /// Weight gradients transposed, [K, F], accumulated over chunks, then added back once.
    private let hvT: UnsafeMutablePointer<Float>, gradientT: UnsafeMutablePointer<Float>

    var k: Int { inChannels * 9 }
    var hw: Int { height * width }
    var outputSize: Int { outChannels * hw }

    init(inChannels: Int, outChannels: Int, height: Int, width: Int, weightOffset: Int, biasOffset: Int, capacity: Int, compute: Compute) {
        (self.inChannels, self.outChannels, self.height, self.width) = (inChannels, outChannels, height, width)
        (self.weightOffset, self.biasOffset, self.compute) = (weightOffset, biasOffset, compute)
        let perImage = inChannels * 9 * height * width
        chunk = max(1, min(capacity, Conv2D.chunkBudget / perImage))
        col = .allocate(capacity: perImage * chunk)
        rcol = .allocate(capacity: perImage * chunk)
        hvT = .allocate(capacity: inChannels * 9 * outChannels)
        gradientT = .allocate(capacity: inChannels * 9 * outChannels)
    }

    deinit {
        col.deallocate()
        rcol.deallocate()
        hvT.deallocate()
        gradientT.deallocate()
    }

    private func unfold(_ x: UnsafePointer<Float>, n: Int, from n0: Int, count nb: Int, into c: UnsafeMutablePointer<Float>) {
        lp_im2col3x3(compute.isa.level, x, Int32(inChannels), Int32(n), Int32(height), Int32(width), Int32(n0), Int32(nb), c)
    }

    func forward(
        x: UnsafePointer<Float>, rx: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, ry: UnsafeMutablePointer<Float>,
        n: Int, weights: UnsafePointer<Float>, direction: UnsafePointer<Float>
    ) {
        let w = weights + weightOffset, v = direction + weightOffset, ld = n * hw
        var n0 = 0
        while n0 < n {
            let nb = min(chunk, n - n0), cols = nb * hw
            unfold(x, n: n, from: n0, count: nb, into: col)
            // y[F, cols] = W[F, K] col[K, cols]; R{y} = V col (+ W col(R{x}))
            GEMM.multiply(compute, m: outChannels, n: cols, k: k, a: w, lda: k, b: col, ldb: cols, beta: 0, c: y + n0 * hw, ldc: ld)
            GEMM.multiply(compute, m: outChannels, n: cols, k: k, a: v, lda: k, b: col, ldb: cols, beta: 0, c: ry + n0 * hw, ldc: ld)
            if let rx {
                unfold(rx, n: n, from: n0, count: nb, into: rcol)
                GEMM.multiply(compute, m: outChannels, n: cols, k: k, a: w, lda: k, b: rcol, ldb: cols, beta: 1, c: ry + n0 * hw, ldc: ld)
            }
            n0 += nb
        }
        lp_bias_relu(compute.isa.level, y, weights + biasOffset, Int32(outChannels), ld, y, 0)
        lp_bias_relu(compute.isa.level, ry, direction + biasOffset, Int32(outChannels), ld, ry, 0)
    }

    func backward(
        x: UnsafePointer<Float>, rx: UnsafePointer<Float>?, y: UnsafePointer<Float>, ry: UnsafePointer<Float>,
        dy: UnsafeMutablePointer<Float>, rdy: UnsafeMutablePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, rdx: UnsafeMutablePointer<Float>?, n: Int,
        weights: UnsafePointer<Float>, direction: UnsafePointer<Float>,
        hv: UnsafeMutablePointer<Float>, gradient: UnsafeMutablePointer<Float>?
    ) {
        let w = weights + weightOffset, v = direction + weightOffset, ld = n * hw
        lp_channel_sums_add(compute.isa.level, rdy, Int32(outChannels), ld, hv + biasOffset)
        if let gradient { lp_channel_sums_add(compute.isa.level, dy, Int32(outChannels), ld, gradient + biasOffset) }
        dx?.initialize(repeating: 0, count: inChannels * n * hw)
        rdx?.initialize(repeating: 0, count: inChannels * n * hw)
        var n0 = 0
        while n0 < n {
            let nb = min(chunk, n - n0), cols = nb * hw
            let g = dy + n0 * hw, rg = rdy + n0 * hw  // [F, cols], row stride ld
            unfold(x, n: n, from: n0, count: nb, into: col)
            let first: Float = n0 == 0 ? 0 : 1
            // R{∂L/∂W}ᵀ[K, F] (+)= col(x)·R{dy}ᵀ + col(R{x})·dyᵀ
            GEMM.multiply(compute, transposeB: true, m: k, n: outChannels, k: cols, a: col, lda: cols, b: rg, ldb: ld, beta: first, c: hvT, ldc: outChannels)
            if gradient != nil {
                GEMM.multiply(compute, transposeB: true, m: k, n: outChannels, k: cols, a: col, lda: cols, b: g, ldb: ld, beta: first, c: gradientT, ldc: outChannels)
            }
            if let rx, let dx, let rdx {
                unfold(rx, n: n, from: n0, count: nb, into: rcol)
                GEMM.multiply(compute, transposeB: true, m: k, n: outChannels, k: cols, a: rcol, lda: cols, b: g, ldb: ld, beta: 1, c: hvT, ldc: outChannels)
                // dcol = Wᵀ dy; R{dcol} = Wᵀ R{dy} + Vᵀ dy, folded back onto the image grid
                GEMM.multiply(compute, transposeA: true, m: k, n: cols, k: outChannels, a: w, lda: k, b: g, ldb: ld, beta: 0, c: col, ldc: cols)
                lp_col2im3x3_add(compute.isa.level, col, Int32(inChannels), Int32(n), Int32(height), Int32(width), Int32(n0), Int32(nb), dx)
                GEMM.multiply(compute, transposeA: true, m: k, n: cols, k: outChannels, a: w, lda: k, b: rg, ldb: ld, beta: 0, c: rcol, ldc: cols)
                GEMM.multiply(compute, transposeA: true, m: k, n: cols, k: outChannels, a: v, lda: k, b: g, ldb: ld, beta: 1, c: rcol, ldc: cols)
                lp_col2im3x3_add(compute.isa.level, rcol, Int32(inChannels), Int32(n), Int32(height), Int32(width), Int32(n0), Int32(nb), rdx)
            }
            n0 += nb
        }
        lp_add_transposed(hvT, Int32(k), Int32(outChannels), hv + weightOffset)
        if let gradient { lp_add_transposed(gradientT, Int32(k), Int32(outChannels), gradient + weightOffset) }
    }
}
