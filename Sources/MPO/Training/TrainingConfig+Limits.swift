import Engine

/// The ranges training settings may take: what a checkpoint accepts back (`Checkpoint.checkLimits`),
/// so every plane that trains can be saved and opened again.
extension TrainingConfig {
    public static let batchRange = 1...Checkpoint.maxBatch
    public static let cellsRange = 1...Checkpoint.maxCells
    /// Steps a plane may reach.
    public static let maxStep = Checkpoint.maxStep

    /// Bytes a run of this configuration needs: `planes` trainers (the explorer keeps the plain
    /// and the BatchNorm plane), each with an evaluator over `evalImages` images, and the data.
    public func memoryNeeded(workers: Int, evalImages: Int, planes: Int = 1) -> Double {
        let images = min(evalImages, dataset.count(of: .train))
        let nets = planes == 1 ? [net] : [net.with(batchNorm: false), net.with(batchNorm: true)]
        let perPlane = nets.map { n -> Double in
            var c = self
            c.net = n
            return MemoryEstimate.trainer(c, workers: workers) + MemoryEstimate.evaluator(n, images: images, workers: workers)
        }
        return perPlane.reduce(0, +) + MemoryEstimate.data(dataset, images: images)
    }
}

extension TrainingConfig {
    /// Image sides a net may take (the datasets' are 28 and 32).
    public static let maxImageSide = 4096

    /// Why a net is larger than a checkpoint accepts back (`Checkpoint.checkLimits`: conv layers,
    /// channels, dense layers and sizes with the flatten's, parameters), or nil when it fits. The
    /// sizes are checked before the parameters are counted, so the count cannot overflow. For a
    /// net that passed `validate()`.
    public static func netBeyondLimits(_ net: ModelSpec) -> String? {
        if let side = net.inputShape.dropFirst().first(where: { $0 > maxImageSide }) { return "image side \(side); at most \(maxImageSide)" }
        let convs = net.convChannels.count - 1
        if convs > Checkpoint.maxConvLayers { return "\(convs) conv layers; at most \(Checkpoint.maxConvLayers)" }
        if let c = net.convChannels.first(where: { $0 > Checkpoint.maxChannels }) { return "\(c) channels; at most \(Checkpoint.maxChannels)" }
        if net.dense.count > Checkpoint.maxDenseLayers {
            return "\(net.dense.count - 1) hidden dense layers; at most \(Checkpoint.maxDenseLayers - 1)"
        }
        if let d = net.dense.first, d > Checkpoint.maxDense {
            return "\(d) flattened features (channels x avgpool^2); at most \(Checkpoint.maxDense)"
        }
        if let d = net.dense.first(where: { $0 > Checkpoint.maxDense }) { return "dense size \(d); at most \(Checkpoint.maxDense)" }
        if net.classes > Checkpoint.maxDense { return "\(net.classes) classes; at most \(Checkpoint.maxDense)" }
        let p = LayerPlan(net).parameterCount
        if p > Checkpoint.maxParameters { return "\(p) parameters; at most \(Checkpoint.maxParameters)" }
        return nil
    }
}
