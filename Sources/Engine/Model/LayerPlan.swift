/// A `ModelSpec` written out once as the modules of the equivalent PyTorch `nn.Sequential`, in
/// order: what each module is, its per-image input and output shape, its parameters (named as
/// `named_parameters()` names them, with their place in the flat vector) and its forward FLOPs.
/// Everything that walks the architecture reads this list and nothing else: `ParameterLayout`,
/// `Network`, the FLOP counts, the memory estimates, the files' parameter tables (llm.c's single
/// table of parameter sizes is the model).
///
/// Key to shapes: C/F = channels in/out, H/W = sides, K = the adaptive pool's side,
/// I/O = linear inputs/outputs. Shapes are per image: [C, H, W] in the conv stack, [I] after it.
public struct LayerPlan: Hashable, Sendable {
    public enum Kind: String, Sendable {
        case conv3x3, batchNorm, relu, maxPool2, adaptiveAvgPool, flatten, linear
    }

    public struct Step: Hashable, Sendable {
        public let kind: Kind
        /// Index in the nn.Sequential: the prefix of its parameters' names.
        public let module: Int
        public let input: [Int]
        public let output: [Int]
        /// conv: weight [F, C, 3, 3], bias [F]; BN: scale [C], shift [C]; linear: weight [O, I], bias [O].
        public let parameters: [ParameterLayout.Entry]
        /// Multiply and add counted separately, convolutions and linears only: pooling, ReLU and BN
        /// are memory-bound and left out, so FLOP rates compare with the GEMM peak.
        public let forwardFLOPs: Double

        public var inputSize: Int { input.reduce(1, *) }
        public var outputSize: Int { output.reduce(1, *) }
    }

    public let spec: ModelSpec
    public let steps: [Step]
    /// P: the length of the flat parameter vector.
    public let parameterCount: Int

    /// The plan of a net with three input dimensions (`validate()` checks the rest; the plan of a
    /// net that fails it describes what the sizes say, zero sides included).
    public init(_ spec: ModelSpec) {
        precondition(spec.inputShape.count == 3 && !spec.convChannels.isEmpty, "a plan needs C,H,W and the input channels")
        var steps: [Step] = []
        var offset = 0
        var shape = spec.inputShape
        /// `fanIn`: inputs feeding one output, shared by a module's weight and bias.
        func add(_ kind: Kind, to output: [Int], _ parameters: [(ParameterLayout.Kind, [Int])] = [], fanIn: Int = 1, flops: Double = 0) {
            let module = steps.count
            var entries: [ParameterLayout.Entry] = []
            for (role, size) in parameters {
                let suffix = role == .convBias || role == .bnShift || role == .linearBias ? "bias" : "weight"
                entries.append(.init(name: "\(module).\(suffix)", shape: size, offset: offset, kind: role, fanIn: fanIn))
                offset += size.reduce(1, *)
            }
            steps.append(Step(kind: kind, module: module, input: shape, output: output, parameters: entries, forwardFLOPs: flops))
            shape = output
        }
        for (cin, cout) in zip(spec.convChannels, spec.convChannels.dropFirst()) {
            let (h, w) = (shape[1], shape[2])
            add(.conv3x3, to: [cout, h, w], [(.convWeight, [cout, cin, 3, 3]), (.convBias, [cout])], fanIn: cin * 9,
                flops: 2 * Double(cout) * Double(cin * 9) * Double(h * w))
            if spec.batchNorm { add(.batchNorm, to: shape, [(.bnScale, [cout]), (.bnShift, [cout])]) }
            add(.relu, to: shape)
            if spec.maxPool { add(.maxPool2, to: [cout, h / 2, w / 2]) }  // floor, as PyTorch
        }
        let k = spec.adaptivePool
        add(.adaptiveAvgPool, to: [shape[0], k, k])
        add(.flatten, to: [shape.reduce(1, *)])
        // The first dense size is the flatten's (validate() checks it); then the hidden sizes and the classes.
        let sizes = spec.dense + [spec.classes]
        for (i, (fin, fout)) in zip(sizes, sizes.dropFirst()).enumerated() {
            shape = [fin]
            add(.linear, to: [fout], [(.linearWeight, [fout, fin]), (.linearBias, [fout])], fanIn: fin, flops: 2 * Double(fin) * Double(fout))
            if i < sizes.count - 2 { add(.relu, to: shape) }  // none after the logits
        }
        self.spec = spec
        self.steps = steps
        parameterCount = offset
    }

    /// The engine's layers: runs of steps computed as one, each keeping one activation buffer (its
    /// last step's output). A convolution takes its ReLU and max-pool as its epilogue when no
    /// BatchNorm comes between; BatchNorm and linears take their ReLU; the pool writes the
    /// flattened features. What remains alone is a max-pool after BatchNorm.
    public var fusedLayers: [Range<Int>] {
        var runs: [Range<Int>] = []
        var start = 0
        while start < steps.count {
            var end = start + 1
            func absorb(_ kind: Kind) -> Bool {
                guard end < steps.count, steps[end].kind == kind else { return false }
                end += 1
                return true
            }
            switch steps[start].kind {
            case .conv3x3: if absorb(.relu) { _ = absorb(.maxPool2) }
            case .batchNorm, .linear: _ = absorb(.relu)
            case .adaptiveAvgPool: _ = absorb(.flatten)
            case .relu, .maxPool2, .flatten: break
            }
            runs.append(start..<end)
            start = end
        }
        return runs
    }

    /// The parameters in order, tiling [0, P).
    public var parameters: [ParameterLayout.Entry] { steps.flatMap(\.parameters) }

    /// Floating-point operations of one image's forward pass (see `Step.forwardFLOPs`).
    public var forwardFLOPs: Double { steps.reduce(0) { $0 + $1.forwardFLOPs } }
}
