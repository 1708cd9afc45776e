/// Where each parameter tensor lives in the one flat weight vector, in PyTorch's
/// `named_parameters()` order and naming for the equivalent `nn.Sequential`: the parameters of
/// the net's `LayerPlan`, in its order.
public struct ParameterLayout: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        /// "3.weight": the module's index in the nn.Sequential and PyTorch's name in the module.
        public let name: String
        public let shape: [Int]
        public let offset: Int
        /// How it starts (`initialWeights`), as its layer declares it.
        public let initialization: ParameterTensor.Initialization
        /// The engine stores PyTorch's value minus this (see `ParameterTensor.torchOffset`).
        public let torchOffset: Float
        public var count: Int { shape.reduce(1, *) }
        public var range: Range<Int> { offset..<(offset + count) }

        init(name: String, offset: Int, tensor: ParameterTensor) {
            self.name = name
            shape = tensor.shape
            self.offset = offset
            initialization = tensor.initialization
            torchOffset = tensor.torchOffset
        }
    }

    public let entries: [Entry]
    /// P: the length of the flat parameter vector.
    public let count: Int

    public init(_ plan: LayerPlan) {
        entries = plan.parameters
        count = plan.parameterCount
    }

    public init(_ spec: ModelSpec) { self.init(LayerPlan(spec)) }

    /// "0.weight:8x1x3x3;0.bias:8;..." — the fixtures' and checkpoints' notation.
    public var table: String {
        entries.map { "\($0.name):" + $0.shape.map(String.init).joined(separator: "x") }.joined(separator: ";")
    }

    public func entry(named name: String) -> Entry? { entries.first { $0.name == name } }
}
