/// The plan's `nn.Flatten()`: [C, K, K] -> [C·K·K], PyTorch's order. It has no layer of its own,
/// fused or step by step: the adaptive average pool before it writes flattened features.
struct Flatten: PlanModule {
    var kind: String { "flatten" }

    func output(for x: [Int]) -> [Int] { [x.reduce(1, *)] }

    func torch(for x: [Int]) -> TorchModule { TorchModule("Flatten") }

    func layer(for run: ArraySlice<LayerPlan.Step>, capacity: Int, compute: Compute) -> Layer {
        preconditionFailure("a flatten is computed by the adaptive pool before it")
    }

    func tangentLayer(for step: LayerPlan.Step, capacity: Int, compute: Compute) -> TangentLayer? { nil }

    var isReshape: Bool { true }
}
