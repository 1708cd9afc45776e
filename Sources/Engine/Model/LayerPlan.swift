/// A `ModelSpec` written out once as the modules of the equivalent PyTorch `nn.Sequential`, in
/// order: what each module is (a `PlanModule`, declared in its layer's file), its per-image input
/// and output shape, its parameters (named as `named_parameters()` names them, with their place
/// in the flat vector), its running statistics' place (BatchNorm) and its forward FLOPs. Everything that walks the architecture reads this
/// list and nothing else: `ParameterLayout`, `Network`, the FLOP counts, the size limits, the
/// memory estimates, the files' parameter tables, the PyTorch import (llm.c's single table of
/// parameter sizes is the model). `init` is the one place that turns the grammar's fields into
/// modules.
///
/// Key to shapes: C/F = channels in/out, H/W = sides, K = the adaptive pool's side,
/// I/O = linear inputs/outputs. Shapes are per image: [C, H, W] in the conv stack, [I] after it.
public struct LayerPlan: Sendable {
    public struct Step: Sendable {
        /// What the module is; its file says everything else.
        let module: any PlanModule
        /// Index in the nn.Sequential: the prefix of its parameters' names.
        public let index: Int
        public let input: [Int]
        public let output: [Int]
        /// As the module declares them, placed: conv: weight [F, C, 3, 3], bias [F]; BN: scale
        /// [C], shift [C]; linear: weight [O, I], bias [O].
        public let parameters: [ParameterLayout.Entry]
        /// See `PlanModule.forwardFLOPs`.
        public let forwardFLOPs: Double
        /// See `PlanModule.savedBytes`.
        public let savedBytes: Int
        /// Its running statistics' place in the statistics vector (`StatisticsLayout`), if it keeps any.
        public let statistics: StatisticsLayout.Entry?

        /// The module's word ("conv3x3", "relu", ...).
        public var kind: String { module.kind }
        /// Whether it only reshapes the step before's output (`PlanModule.isReshape`).
        public var isReshape: Bool { module.isReshape }
        /// The `torch.nn` module it stands for.
        public var torch: TorchModule { module.torch(for: input) }
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
        var offset = 0, statisticsOffset = 0
        var shape = spec.inputShape
        func add(_ module: any PlanModule) {
            let index = steps.count
            var entries: [ParameterLayout.Entry] = []
            for t in module.parameters(for: shape) {
                entries.append(.init(name: "\(index).\(t.suffix)", offset: offset, tensor: t))
                offset += t.shape.reduce(1, *)
            }
            var statistics: StatisticsLayout.Entry?
            let channels = module.statisticsChannels(for: shape)
            if channels > 0 {
                statistics = .init(module: index, channels: channels, offset: statisticsOffset)
                statisticsOffset += 2 * channels
            }
            let output = module.output(for: shape)
            steps.append(Step(
                module: module, index: index, input: shape, output: output, parameters: entries,
                forwardFLOPs: module.forwardFLOPs(for: shape), savedBytes: module.savedBytes(for: shape), statistics: statistics))
            shape = output
        }
        for cout in spec.convChannels.dropFirst() {
            add(Conv2D.Module(channels: cout))
            if spec.batchNorm { add(BatchNorm.Module()) }
            add(ReLU())
            if spec.maxPool { add(MaxPool2.Module()) }
        }
        add(AdaptiveAvgPool.Module(side: spec.adaptivePool))
        add(Flatten())
        // The first dense size is the flatten's (validate() checks it); then the hidden sizes and the classes.
        let sizes = spec.dense + [spec.classes]
        for (i, (fin, fout)) in zip(sizes, sizes.dropFirst()).enumerated() {
            shape = [fin]
            add(Linear.Module(outputs: fout))
            if i < sizes.count - 2 { add(ReLU()) }  // none after the logits
        }
        self.spec = spec
        self.steps = steps
        parameterCount = offset
    }

    /// The engine's layers: runs of steps computed as one, each keeping one activation buffer (its
    /// last step's output). Each module says what it fuses (`PlanModule.fuses`): a convolution its
    /// ReLU and max-pool, BatchNorm and linears their ReLU, the adaptive pool the flatten.
    public var fusedLayers: [Range<Int>] {
        var runs: [Range<Int>] = []
        var start = 0
        while start < steps.count {
            let end = start + 1 + steps[start].module.fuses(steps[(start + 1)...])
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

extension LayerPlan: Equatable {
    /// A plan is its spec's.
    public static func == (a: LayerPlan, b: LayerPlan) -> Bool { a.spec == b.spec }
}
