/// Where each parameter tensor lives in the one flat weight vector, in PyTorch's
/// `named_parameters()` order and naming for the equivalent `nn.Sequential`.
public struct ParameterLayout: Hashable, Sendable {
    public enum Kind: String, Sendable {
        case convWeight, convBias, bnScale, bnShift, linearWeight, linearBias
    }

    public struct Entry: Hashable, Sendable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public let kind: Kind
        /// Inputs feeding one output: the bound of PyTorch's default initialisation.
        public let fanIn: Int
        public var count: Int { shape.reduce(1, *) }
        public var range: Range<Int> { offset..<(offset + count) }
    }

    public let entries: [Entry]
    /// P: the length of the flat parameter vector.
    public let count: Int

    public init(_ spec: ModelSpec) {
        var entries: [Entry] = []
        var offset = 0
        var module = 0  // index in the nn.Sequential
        func add(_ kind: Kind, _ suffix: String, _ shape: [Int], fanIn: Int) {
            entries.append(Entry(name: "\(module).\(suffix)", shape: shape, offset: offset, kind: kind, fanIn: fanIn))
            offset += shape.reduce(1, *)
        }
        for (cin, cout) in zip(spec.convChannels, spec.convChannels.dropFirst()) {
            add(.convWeight, "weight", [cout, cin, 3, 3], fanIn: cin * 9)
            add(.convBias, "bias", [cout], fanIn: cin * 9)
            module += 1
            if spec.batchNorm {
                add(.bnScale, "weight", [cout], fanIn: 1)
                add(.bnShift, "bias", [cout], fanIn: 1)
                module += 1
            }
            module += spec.maxPool ? 2 : 1  // ReLU, MaxPool
        }
        module += 2  // AdaptiveAvgPool2d, Flatten
        let sizes = spec.dense + [spec.classes]
        for (i, (fin, fout)) in zip(sizes, sizes.dropFirst()).enumerated() {
            add(.linearWeight, "weight", [fout, fin], fanIn: fin)
            add(.linearBias, "bias", [fout], fanIn: fin)
            module += i < sizes.count - 2 ? 2 : 1  // Linear, ReLU
        }
        self.entries = entries
        self.count = offset
    }

    /// "0.weight:8x1x3x3;0.bias:8;..." — the fixtures' and checkpoints' notation.
    public var table: String {
        entries.map { "\($0.name):" + $0.shape.map(String.init).joined(separator: "x") }.joined(separator: ";")
    }

    public func entry(named name: String) -> Entry? { entries.first { $0.name == name } }
}
