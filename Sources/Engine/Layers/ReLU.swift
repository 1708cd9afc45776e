/// The plan's `nn.ReLU()`: y = max(x, 0), any shape. It has no engine layer of its own: the
/// convolution, BatchNorm or linear before it computes it (`PlanModule.fuses`), and its gradient
/// mask is that layer's output (y > 0). Step by step (`HessianNetwork`) it is `TangentReLU`.
struct ReLU: PlanModule {
    var kind: String { "relu" }

    func output(for x: [Int]) -> [Int] { x }

    func torch(for x: [Int]) -> TorchModule { TorchModule("ReLU") }

    func layer(for run: ArraySlice<LayerPlan.Step>, capacity: Int, compute: Compute) -> Layer {
        preconditionFailure("a ReLU is computed by the layer before it; none may come first or after a pool")
    }

    func tangentLayer(for step: LayerPlan.Step, capacity: Int, compute: Compute) -> TangentLayer? {
        TangentReLU(size: step.outputSize, compute: compute)
    }
}
