import CKernels

/// Fully connected layer, y = x·Wᵀ + b as PyTorch writes it, and its R-operator (`TangentLayer`);
/// its ReLU is a layer of its own here. x: [N, I] -> y: [N, O]; weight W [O, I], bias b [O]; the
/// direction's parts V [O, I], vb [O].
///
///     R{y} = R{x}·Wᵀ + x·Vᵀ + vb        dx = dy·W,  R{dx} = R{dy}·W + dy·V
///     ∂L/∂W = dyᵀ·x                     R{∂L/∂W} = R{dy}ᵀ·x + dyᵀ·R{x},  R{∂L/∂b} = Σ R{dy}
final class TangentLinear: TangentLayer {
    let inputs: Int, outputs: Int
    let weightOffset: Int, biasOffset: Int
    let compute: Compute

    var outputSize: Int { outputs }

    init(inputs: Int, outputs: Int, weightOffset: Int, biasOffset: Int, compute: Compute) {
        (self.inputs, self.outputs, self.weightOffset, self.biasOffset, self.compute) = (inputs, outputs, weightOffset, biasOffset, compute)
    }

    func forward(
        x: UnsafePointer<Float>, rx: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, ry: UnsafeMutablePointer<Float>,
        n: Int, weights: UnsafePointer<Float>, direction: UnsafePointer<Float>
    ) {
        let w = weights + weightOffset, v = direction + weightOffset
        GEMM.multiply(compute, transposeB: true, m: n, n: outputs, k: inputs, a: x, lda: inputs, b: w, ldb: inputs, beta: 0, c: y, ldc: outputs)
        lp_add_row_bias(y, weights + biasOffset, Int32(n), Int32(outputs))
        GEMM.multiply(compute, transposeB: true, m: n, n: outputs, k: inputs, a: x, lda: inputs, b: v, ldb: inputs, beta: 0, c: ry, ldc: outputs)
        if let rx {
            GEMM.multiply(compute, transposeB: true, m: n, n: outputs, k: inputs, a: rx, lda: inputs, b: w, ldb: inputs, beta: 1, c: ry, ldc: outputs)
        }
        lp_add_row_bias(ry, direction + biasOffset, Int32(n), Int32(outputs))
    }

    func backward(
        x: UnsafePointer<Float>, rx: UnsafePointer<Float>?, y: UnsafePointer<Float>, ry: UnsafePointer<Float>,
        dy: UnsafeMutablePointer<Float>, rdy: UnsafeMutablePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, rdx: UnsafeMutablePointer<Float>?, n: Int,
        weights: UnsafePointer<Float>, direction: UnsafePointer<Float>,
        hv: UnsafeMutablePointer<Float>, gradient: UnsafeMutablePointer<Float>?
    ) {
        let w = weights + weightOffset, v = direction + weightOffset
        lp_column_sums_add(rdy, Int32(n), Int32(outputs), hv + biasOffset)
        // R{∂L/∂W}[O, I] += R{dy}[N, O]ᵀ x[N, I] + dy[N, O]ᵀ R{x}[N, I]
        GEMM.multiply(compute, transposeA: true, m: outputs, n: inputs, k: n, a: rdy, lda: outputs, b: x, ldb: inputs, beta: 1, c: hv + weightOffset, ldc: inputs)
        if let rx {
            GEMM.multiply(compute, transposeA: true, m: outputs, n: inputs, k: n, a: dy, lda: outputs, b: rx, ldb: inputs, beta: 1, c: hv + weightOffset, ldc: inputs)
        }
        if let gradient {
            lp_column_sums_add(dy, Int32(n), Int32(outputs), gradient + biasOffset)
            GEMM.multiply(compute, transposeA: true, m: outputs, n: inputs, k: n, a: dy, lda: outputs, b: x, ldb: inputs, beta: 1, c: gradient + weightOffset, ldc: inputs)
        }
        guard let dx, let rdx else { return }
        GEMM.multiply(compute, m: n, n: inputs, k: outputs, a: dy, lda: outputs, b: w, ldb: inputs, beta: 0, c: dx, ldc: inputs)
        GEMM.multiply(compute, m: n, n: inputs, k: outputs, a: rdy, lda: outputs, b: w, ldb: inputs, beta: 0, c: rdx, ldc: inputs)
        GEMM.multiply(compute, m: n, n: inputs, k: outputs, a: dy, lda: outputs, b: v, ldb: inputs, beta: 1, c: rdx, ldc: inputs)
    }
}
