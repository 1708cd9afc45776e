/// What a layer type declares about itself, once, in its own file: the module of the equivalent
/// PyTorch `nn.Sequential` it stands for (its output shape, its parameter tensors with how each
/// starts, its forward FLOPs, its `torch.nn` class) and how the engine computes it, alone or
/// together with the modules after it that it fuses (`Layer`). `LayerPlan` lists these modules
/// for a `ModelSpec`; `ParameterLayout`, `Initializer`, `Network`, the FLOP counts, the size
/// limits, the memory estimates, the files' tensor names and the PyTorch import all read the
/// plan, and none of them names a layer type.
///
/// Shapes are per image: [C, H, W] in the conv stack, [I] after the flatten.
protocol PlanModule: Sendable {
    /// The plan's word for it ("conv3x3"), as tests, messages and the plan's JSON name it.
    var kind: String { get }

    /// Its output shape for an input of shape `x`.
    func output(for x: [Int]) -> [Int]

    /// Its parameter tensors in PyTorch's `named_parameters()` order (default: none).
    func parameters(for x: [Int]) -> [ParameterTensor]

    /// Floating-point operations of one image's forward pass, multiply and add counted apart
    /// (default 0: pooling, ReLU and BN are memory-bound and left out, so FLOP rates compare
    /// with the GEMM peak).
    func forwardFLOPs(for x: [Int]) -> Double

    /// Bytes per image its engine layer keeps from the forward to the backward pass beyond the
    /// activations (a max-pool's winners; default 0), for `MemoryEstimate`.
    func savedBytes(for x: [Int]) -> Int

    /// Channels whose running mean and variance it keeps beside its parameters (BatchNorm's
    /// running statistics, `StatisticsLayout`; default 0: none).
    func statisticsChannels(for x: [Int]) -> Int

    /// The `torch.nn` module the companion and PyTorch users build for it.
    func torch(for x: [Int]) -> TorchModule

    /// How many of the steps right after it its engine layer computes too (default 0), e.g. a
    /// convolution's ReLU and max-pool, run as its epilogue.
    func fuses(_ next: ArraySlice<LayerPlan.Step>) -> Int

    /// The engine layer computing `run`: this module's step first, then the ones it fuses. Sizes
    /// and parameter offsets come from the steps.
    func layer(for run: ArraySlice<LayerPlan.Step>, capacity: Int, compute: Compute) -> Layer

    /// The R-operator layer computing `step` alone, for exact Hessian-vector products
    /// (`HessianNetwork`, no fusion); nil for a reshape (`isReshape`).
    func tangentLayer(for step: LayerPlan.Step, capacity: Int, compute: Compute) -> TangentLayer?

    /// Whether it only reshapes what the step before writes (a flatten): no buffer and no
    /// layer of its own wherever steps are computed one by one (default false).
    var isReshape: Bool { get }
}

extension PlanModule {
    func parameters(for x: [Int]) -> [ParameterTensor] { [] }
    func forwardFLOPs(for x: [Int]) -> Double { 0 }
    func savedBytes(for x: [Int]) -> Int { 0 }
    func statisticsChannels(for x: [Int]) -> Int { 0 }
    var isReshape: Bool { false }
    func fuses(_ next: ArraySlice<LayerPlan.Step>) -> Int { 0 }
}

extension ArraySlice where Element == LayerPlan.Step {
    /// How many of the first steps are of the module types given, in that order (a fused run's
    /// tail, e.g. `[ReLU.self, MaxPool2.Module.self]`): stops at the first that is not.
    func prefix(of types: [any PlanModule.Type]) -> Int {
        zip(self, types).prefix { step, type in ObjectIdentifier(Swift.type(of: step.module)) == ObjectIdentifier(type) }.count
    }
}
