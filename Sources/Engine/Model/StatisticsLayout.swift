/// Where each BatchNorm layer's running statistics live in one flat vector [S], in the net's
/// order: per BatchNorm module, its running mean [C] then its running variance [C] (unbiased, as
/// PyTorch keeps it), named as PyTorch's buffers of the equivalent nn.Sequential
/// (`1.running_mean`, `1.running_var`). S = 2·ΣC; 0 for a net without BatchNorm.
/// These are not parameters: nothing trains them, planes do not move them, P does not count them.
public struct StatisticsLayout: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        /// Index of the BatchNorm in the nn.Sequential (`LayerPlan.Step.index`).
        public let module: Int
        public let channels: Int
        /// The mean at offset..<offset+C, the variance right after it.
        public let offset: Int
        public var meanRange: Range<Int> { offset..<(offset + channels) }
        public var varianceRange: Range<Int> { (offset + channels)..<(offset + 2 * channels) }
        public var meanName: String { "\(module).\(StatisticsLayout.buffers.mean)" }
        public var varianceName: String { "\(module).\(StatisticsLayout.buffers.variance)" }
        public var countName: String { "\(module).\(StatisticsLayout.buffers.count)" }
    }

    /// PyTorch's names of a module's running-statistics buffers.
    public static let buffers = (mean: "running_mean", variance: "running_var", count: "num_batches_tracked")

    public let entries: [Entry]
    /// S: the length of the statistics vector.
    public let count: Int

    /// The entries the plan placed (`LayerPlan.Step.statistics`, for the modules that declare
    /// running statistics).
    public init(_ plan: LayerPlan) {
        entries = plan.steps.compactMap(\.statistics)
        count = entries.reduce(0) { $0 + 2 * $1.channels }
    }

    public init(_ spec: ModelSpec) { self.init(LayerPlan(spec)) }

    /// PyTorch's `reset_running_stats`: means 0, variances 1.
    public var initial: [Float] {
        var s = [Float](repeating: 0, count: count)
        for e in entries { for i in e.varianceRange { s[i] = 1 } }
        return s
    }

    /// Indices of the variances, which must stay at or above 0 (a combination of statistics
    /// outside their convex hull can make one negative).
    public var varianceIndices: [Int] { entries.flatMap { Array($0.varianceRange) } }

    /// running ← running + m·(batch − running) for every value [S]: PyTorch's update with
    /// momentum m (0.1 when training; b/(n+b) in update_bn's average over batches).
    public static func blend(_ running: UnsafeMutablePointer<Float>, toward batch: UnsafePointer<Float>, count: Int, momentum: Double) {
        for i in 0..<count { running[i] = Float(Double(running[i]) + momentum * (Double(batch[i]) - Double(running[i]))) }
    }
}
