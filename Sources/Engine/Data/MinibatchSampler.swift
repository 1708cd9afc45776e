/// Draws minibatches with replacement (as `torch.randint` indices do) from a dataset into buffers
/// allocated once. Deterministic for its generator's state.
public struct MinibatchSampler {
    public let dataset: Dataset
    public let batchSize: Int
    public private(set) var images: [Float]  // [batch, C, H, W]
    public private(set) var labels: [Int32]  // [batch]

    public init(dataset: Dataset, batchSize: Int) {
        self.dataset = dataset
        self.batchSize = batchSize
        images = .init(repeating: 0, count: batchSize * dataset.imageSize)
        labels = .init(repeating: 0, count: batchSize)
    }

    /// Fills `images` and `labels` with a fresh batch.
    public mutating func next(using rng: inout Xoshiro256) {
        let size = dataset.imageSize
        dataset.images.withUnsafeBufferPointer { src in
            images.withUnsafeMutableBufferPointer { dst in
                for b in 0..<batchSize {
                    let i = rng.below(dataset.count)
                    labels[b] = dataset.labels[i]
                    (dst.baseAddress! + b * size).update(from: src.baseAddress! + i * size, count: size)
                }
            }
        }
    }

    /// Uses the given batch instead of a drawn one (tests replaying a recorded batch).
    public mutating func setBatch(images: [Float], labels: [Int32]) {
        precondition(labels.count == batchSize && images.count == batchSize * dataset.imageSize)
        self.images = images
        self.labels = labels
    }
}
