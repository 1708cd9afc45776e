/// A layer that can normalise with running statistics it does not own (BatchNorm): `Network`
/// points it at its part of a statistics vector [S] (`StatisticsLayout`, the plan's
/// `Step.statistics`) for a pass, or at nil for the batch's own, and reads the batch's
/// statistics back from it.
protocol StatisticsLayer: Layer {
    /// Its place in the statistics vector: mean [C] at offset, variance [C] after it.
    var statisticsOffset: Int { get }
    /// The running mean [C] and variance [C] the next passes normalise with; nil: each batch's own.
    var running: UnsafePointer<Float>? { get set }
    /// The last batch pass's mean [C] and unbiased variance [C] into s[0..<2C].
    func batchStatistics(into s: UnsafeMutablePointer<Float>)
}
