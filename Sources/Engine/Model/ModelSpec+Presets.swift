extension ModelSpec {
    /// The paper's net for pattern fitting: conv 1-8-32-64 with max-pool, pool 4x4, MLP 1024-128-10.
    public static let paper = ModelSpec(convChannels: [1, 8, 32, 64], dense: [1024, 128])
    /// The paper's BatchNorm experiment: six convs with BN and no max-pool (~53 MMAC per image).
    public static let paperBN = ModelSpec(
        convChannels: [1, 8, 8, 32, 32, 64, 64], dense: [1024, 128], batchNorm: true, maxPool: false)
    /// A small net (the fixtures' shape): fast enough for tests and quick experiments.
    public static let small = ModelSpec(convChannels: [1, 4, 8], dense: [128, 16])
    /// The smallest useful net, for unit tests and tiny end-to-end runs.
    public static let tiny = ModelSpec(convChannels: [1, 4], dense: [64, 16])

    public static let presets: [(name: String, spec: ModelSpec)] = [
        ("paper", .paper), ("paper-bn", .paperBN), ("small", .small), ("tiny", .tiny),
    ]

    /// The same net for images of another shape (a dataset's): its input and first conv channels.
    public func adapted(to imageShape: [Int]) -> ModelSpec {
        var s = self
        s.inputShape = imageShape
        s.convChannels[0] = imageShape[0]
        return s
    }

    public static func preset(named name: String) -> ModelSpec? {
        presets.first { $0.name == name }?.spec
    }

    /// The preset's name if this spec is one, ignoring the BN switch ("paper" also names paper+BN).
    public var presetName: String? {
        if let p = Self.presets.first(where: { $0.spec == self }) { return p.name }
        return Self.presets.first { $0.spec.with(batchNorm: batchNorm) == self }.map { $0.name + (batchNorm ? "+bn" : "-nobn") }
    }
}
