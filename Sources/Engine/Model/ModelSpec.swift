/// What a network is: a stack of 3x3 convolutions (padding 1), each optionally followed by
/// BatchNorm (before the ReLU) and a 2x2 max-pool, then an adaptive average pool to k x k, a
/// flatten and a ReLU MLP. Mirrors the original code's `conv_model(conv_sizes, dense, bn, maxpool, pool)`.
public struct ModelSpec: Hashable, Sendable, Codable {
    /// Input image: channels, height, width.
    public var inputShape: [Int]
    /// Conv channel sizes, input channels first (e.g. 1, 8, 32, 64).
    public var convChannels: [Int]
    /// Linear sizes, the flattened feature count first (e.g. 1024, 128); a last linear to `classes` follows.
    public var dense: [Int]
    public var batchNorm: Bool
    public var maxPool: Bool
    public var adaptivePool: Int
    public var classes: Int

    public init(
        inputShape: [Int] = [1, 28, 28], convChannels: [Int], dense: [Int], batchNorm: Bool = false,
        maxPool: Bool = true, adaptivePool: Int = 4, classes: Int = 10
    ) {
        self.inputShape = inputShape
        self.convChannels = convChannels
        self.dense = dense
        self.batchNorm = batchNorm
        self.maxPool = maxPool
        self.adaptivePool = adaptivePool
        self.classes = classes
    }

    public var inputChannels: Int { inputShape[0] }
    public var inputSize: Int { inputShape.reduce(1, *) }
    public var flattenedFeatures: Int { convChannels.last! * adaptivePool * adaptivePool }

    /// Spatial side lengths (height, width) after each conv block (after its max-pool, if any).
    public var blockOutputSides: [(height: Int, width: Int)] {
        var h = inputShape[1], w = inputShape[2]
        return convChannels.dropFirst().map { _ in
            if maxPool { h /= 2; w /= 2 }
            return (h, w)
        }
    }

    /// The same net with BatchNorm switched on or off.
    public func with(batchNorm: Bool) -> ModelSpec {
        var s = self
        s.batchNorm = batchNorm
        return s
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// Checks the sizes fit together; the message says which do not.
    public func validate() throws {
        func fail(_ s: String) throws -> Never { throw Invalid(description: "invalid model: \(s)") }
        guard inputShape.count == 3, inputShape.allSatisfy({ $0 > 0 }) else {
            try fail("input shape must be C,H,W with positive sizes, got \(inputShape)")
        }
        guard convChannels.count >= 2, convChannels.allSatisfy({ $0 > 0 }) else {
            try fail("need the input channels and at least one conv layer, got \(convChannels)")
        }
        guard convChannels[0] == inputShape[0] else {
            try fail("conv input channels \(convChannels[0]) differ from image channels \(inputShape[0])")
        }
        if let last = blockOutputSides.last, last.height < 1 || last.width < 1 {
            try fail("max-pooling \(convChannels.count - 1) times shrinks \(inputShape[1])x\(inputShape[2]) to nothing")
        }
        guard (1...64).contains(adaptivePool), classes > 1 else { try fail("adaptive pool side must be 1...64 and classes > 1") }
        guard !dense.isEmpty, dense.allSatisfy({ $0 > 0 }) else { try fail("dense sizes must be positive, got \(dense)") }
        guard dense[0] == flattenedFeatures else {
            try fail("first dense size \(dense[0]) must equal channels x pool^2 = \(flattenedFeatures)")
        }
    }
}
