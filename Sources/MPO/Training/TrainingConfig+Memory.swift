import Engine

extension TrainingConfig {
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
