/// BatchNorm's running statistics [S] (`StatisticsLayout`) from batches: what training tracks,
/// and what dnn-mode-connectivity's `update_bn` recomputes at a point that has none.
extension Network {
    /// The statistics of the last forward pass, which must have used batch statistics: each
    /// BatchNorm's batch mean and unbiased variance into s [S], as PyTorch's train mode feeds
    /// them into its running buffers.
    public func batchStatistics(into s: UnsafeMutablePointer<Float>) {
        for norm in norms { norm.batchStatistics(into: s + norm.statisticsOffset) }
    }

    /// PyTorch's running statistics after training-mode passes over `count` images [count, C, H,
    /// W] in batches of up to `capacity` from reset buffers, with update_bn's momentum b/(n+b)
    /// for a batch of b after n images: every batch's mean and unbiased variance averaged,
    /// weighted by its images (the cumulative average of momentum=None when all batches are
    /// full). Each batch's own statistics normalise it on the way, as in train mode. Into s [S].
    public func recomputeStatistics(
        images: UnsafePointer<Float>, count: Int, weights: UnsafePointer<Float>, into s: UnsafeMutablePointer<Float>
    ) {
        precondition(count > 0)
        let size = spec.inputSize, width = statisticsLayout.count
        guard width > 0 else { return }
        let batch = UnsafeMutablePointer<Float>.allocate(capacity: width)
        defer { batch.deallocate() }
        var seen = 0
        while seen < count {
            let b = min(capacity, count - seen)
            forward(images: images + seen * size, count: b, weights: weights)
            batchStatistics(into: batch)
            if seen == 0 {
                s.update(from: batch, count: width)  // momentum 1: the first batch's own
            } else {
                StatisticsLayout.blend(s, toward: batch, count: width, momentum: Double(b) / Double(seen + b))
            }
            seen += b
        }
    }
}
