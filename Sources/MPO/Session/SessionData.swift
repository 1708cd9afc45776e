import Engine

/// The images a session trains and evaluates on: the training set, and of each split a pool that
/// maps, probes and the gap take their images from (a paused map refines with all of it; live
/// maps, probes and the gap take its first images), with the subsets cut from the pools.
struct SessionData {
    let train: Dataset
    let pools: [Split: Dataset]
    /// The first images of a pool, by split and count (cut once).
    private var subsets: [String: Dataset] = [:]

    init(_ config: TrainingConfig, evalImages: Int) throws {
        train = try config.dataset.load(.train, from: config.dataDirectory)
        let test = try config.dataset.load(.test, from: config.dataDirectory)
        let pool = Self.poolImages(evalImages)
        pools = [.train: train.prefix(pool), .test: test.prefix(pool)]
    }

    /// Images loaded for maps; a paused map refines up to this many (4x the live images, at
    /// most 500).
    static func poolImages(_ evalImages: Int) -> Int { max(evalImages, min(4 * evalImages, 500)) }

    /// Images in each split's pool.
    var poolCount: Int { pools[.test]!.count }

    /// The first `images` of a split's pool.
    mutating func evaluation(_ split: Split, images: Int) -> Dataset {
        let pool = pools[split]!
        guard images < pool.count else { return pool }
        let key = "\(split.rawValue) \(images)"
        if let d = subsets[key] { return d }
        let d = pool.prefix(images)
        if subsets.count > 8 { subsets.removeAll() }
        subsets[key] = d
        return d
    }
}

extension Session {
    /// Images of each split a session loads for maps given `evalImages` (a paused map refines
    /// with up to this many): for memory estimates.
    public static func mapPoolImages(evalImages: Int) -> Int { SessionData.poolImages(evalImages) }
}
