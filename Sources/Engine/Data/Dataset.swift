/// Labelled images in memory: pixels as floats [count, C, H, W] (NCHW), labels [count].
public struct Dataset: Sendable {
    /// e.g. "fashion-mnist train".
    public let name: String
    /// C, H, W.
    public let shape: [Int]
    public let classes: Int
    public let images: [Float]
    public let labels: [Int32]

    public init(name: String, shape: [Int], classes: Int, images: [Float], labels: [Int32]) {
        precondition(images.count == labels.count * shape.reduce(1, *))
        self.name = name
        self.shape = shape
        self.classes = classes
        self.images = images
        self.labels = labels
    }

    public var count: Int { labels.count }
    public var imageSize: Int { shape.reduce(1, *) }

    /// The first `n` images (a fixed evaluation subset).
    public func prefix(_ n: Int) -> Dataset {
        let k = min(n, count)
        return Dataset(
            name: name, shape: shape, classes: classes, images: Array(images[0..<(k * imageSize)]),
            labels: Array(labels[0..<k]))
    }
}

/// Which half of a dataset.
public enum Split: String, CaseIterable, Sendable, Codable {
    case train, test
}

/// The datasets the program knows, and where to find them.
public enum DatasetKind: String, CaseIterable, Sendable, Codable {
    case fashionMNIST = "fashion-mnist"
    case mnist
    case cifar10 = "cifar10"

    /// Debian's `dataset-fashion-mnist` package installs here.
    public static let debianFashionMNIST = "/usr/share/datasets/fashion-mnist"

    public var defaultDirectory: String? {
        self == .fashionMNIST ? Self.debianFashionMNIST : nil
    }

    public var imageShape: [Int] { self == .cifar10 ? [3, 32, 32] : [1, 28, 28] }

    /// Loads one split from `directory` (or the default place), with a clear error naming the file.
    public func load(_ split: Split, from directory: String? = nil) throws -> Dataset {
        guard let dir = directory ?? defaultDirectory else {
            throw DataError(rawValue, "no data folder given (use --data DIR)")
        }
        switch self {
        case .fashionMNIST, .mnist:
            return try IDX.loadSplit(split, directory: dir, name: rawValue)
        case .cifar10:
            return try CIFAR10.load(split, directory: dir)
        }
    }
}
