/// One parameter tensor as its layer type declares it (`PlanModule.parameters`), before the plan
/// gives it a name and a place in the flat vector (`ParameterLayout.Entry`).
public struct ParameterTensor: Hashable, Sendable {
    /// How a tensor starts (`ParameterLayout.initialWeights`).
    public enum Initialization: Hashable, Sendable {
        /// All 0; no numbers are drawn.
        case zeros
        /// uniform(±1/sqrt(fanIn)), drawn in order: PyTorch's default for Conv2d and Linear
        /// (Kaiming-uniform with a = sqrt(5) for weights, the same bound for biases), fanIn the
        /// inputs feeding one output.
        case uniform(fanIn: Int)

        /// The fan-in of a uniform tensor.
        public var fanIn: Int? {
            if case let .uniform(fanIn) = self { return fanIn }
            return nil
        }
    }

    /// PyTorch's name for it within its module ("weight", "bias").
    public let suffix: String
    public let shape: [Int]
    public let initialization: Initialization
    /// What the engine stores is PyTorch's value minus this: 1 for BatchNorm's weight, kept as
    /// gamma - 1 so that planes through it do not flip its sign (paper, appendix C); 0 else.
    public let torchOffset: Float

    public init(_ suffix: String, _ shape: [Int], _ initialization: Initialization, torchOffset: Float = 0) {
        self.suffix = suffix
        self.shape = shape
        self.initialization = initialization
        self.torchOffset = torchOffset
    }
}
