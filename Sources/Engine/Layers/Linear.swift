import CKernels

/// Fully connected layer with an optional fused ReLU, PyTorch's convention y = x W^T + b.
/// x: [N, in] -> y: [N, out]; weight [out, in]; bias [out].
final class Linear: Layer {
    let inputs: Int, outputs: Int
    let weightOffset: Int, biasOffset: Int
    let relu: Bool
    let compute: Compute

    var outputSize: Int { outputs }

    init(inputs: Int, outputs: Int, weightOffset: Int, biasOffset: Int, relu: Bool, compute: Compute = .default) {
        self.compute = compute
        self.inputs = inputs
        self.outputs = outputs
        self.weightOffset = weightOffset
        self.biasOffset = biasOffset
        self.relu = relu
    }

    func forward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, n: Int, weights: UnsafePointer<Float>) {
        GEMM.multiply(
            compute, transposeB: true, m: n, n: outputs, k: inputs, a: x, lda: inputs, b: weights + weightOffset,
            ldb: inputs, beta: 0, c: y, ldc: outputs)
        lp_add_row_bias(y, weights + biasOffset, Int32(n), Int32(outputs))
        if relu { lp_bias_relu(compute.isa.level, y, nil, 1, n * outputs, y, 1) }
    }

    func backward(
        x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafeMutablePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, n: Int, weights: UnsafePointer<Float>,
        gradient: UnsafeMutablePointer<Float>
    ) {
        if relu { lp_relu_backward(compute.isa.level, dy, y, n * outputs, dy) }
        lp_column_sums_add(dy, Int32(n), Int32(outputs), gradient + biasOffset)
        // dW[out, in] += dy[N, out]^T * x[N, in]
        GEMM.multiply(
            compute, transposeA: true, m: outputs, n: inputs, k: n, a: dy, lda: outputs, b: x, ldb: inputs,
            beta: 1, c: gradient + weightOffset, ldc: inputs)
        if let dx {
            // dx[N, in] = dy[N, out] * W[out, in]
            GEMM.multiply(
                compute, m: n, n: inputs, k: outputs, a: dy, lda: outputs, b: weights + weightOffset, ldb: inputs,
                beta: 0, c: dx, ldc: inputs)
        }
    }
}

extension Linear {
    /// The plan's `nn.Linear(I, O)`: [I] -> [O]; weight [O, I] and bias [O], both
    /// uniform(±1/sqrt(I)); 2·I·O FLOPs. A ReLU right after it runs fused.
    struct Module: PlanModule {
        /// O.
        let outputs: Int

        var kind: String { "linear" }

        func output(for x: [Int]) -> [Int] { [outputs] }

        func parameters(for x: [Int]) -> [ParameterTensor] {
            [.init("weight", [outputs, x[0]], .uniform(fanIn: x[0])), .init("bias", [outputs], .uniform(fanIn: x[0]))]
        }

        func forwardFLOPs(for x: [Int]) -> Double { 2 * Double(x[0]) * Double(outputs) }

        func torch(for x: [Int]) -> TorchModule { TorchModule("Linear", [x[0], outputs]) }

        func fuses(_ next: ArraySlice<LayerPlan.Step>) -> Int { next.prefix(of: [ReLU.self]) }

        func layer(for run: ArraySlice<LayerPlan.Step>, capacity: Int, compute: Compute) -> Layer {
            let step = run.first!, p = step.parameters
            return Linear(
                inputs: step.input[0], outputs: outputs, weightOffset: p[0].offset, biasOffset: p[1].offset, relu: run.count > 1,
                compute: compute)
        }

        func tangentLayer(for step: LayerPlan.Step, capacity: Int, compute: Compute) -> TangentLayer? {
            let p = step.parameters
            return TangentLinear(inputs: step.input[0], outputs: outputs, weightOffset: p[0].offset, biasOffset: p[1].offset, compute: compute)
        }
    }
}
