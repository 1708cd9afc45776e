import Engine

/// A session showing a fixed plane: its idle MPO variant stands by (the keys that would train it
/// say "fixed plane" instead), and every map and probe evaluates the direction plane.
extension PlaneRunner {
    /// Opens a direction plane: its net and dataset become the session's, paused for good.
    func openFixed(_ plane: DirectionPlane, path: String) throws {
        let old = (config, data, batchNorm)
        var c = config
        c.net = plane.net
        c.dataset = plane.dataset
        if c.dataset != config.dataset || c.net.inputShape != config.net.inputShape {
            c.dataDirectory = nil  // the file names no folder: the dataset's default
            data = try SessionData(c, evalImages: options.evalImages)
        }
        config = c
        batchNorm = plane.net.batchNorm
        // An idle MPO plane of the same net on the current pattern (p or e starts training afresh);
        // made before the old planes go, so a failure leaves the session as it was. Its
        // evaluator draws the fixed plane, with the BatchNorm statistics the plane takes.
        let idle: Variant
        do {
            idle = try makeVariant(batchNorm: batchNorm, state: nil)
            let mode = statisticsMode(for: plane, path: path)
            try idle.evaluator.useStatistics(mode, images: mode == .recompute ? data.train.prefix(options.bnImages) : nil)
        } catch {
            (config, data, batchNorm) = old
            throw error
        }
        discardPlanes()
        variants[batchNorm] = idle
        fixed = (plane, path)
        paused = true
        sizing.sizesBatch = false
    }

    /// The statistics a fixed plane is drawn with: those `mpo view --bn-stats` asked for the file
    /// it opened, else running ones where the plane carries them, else the batch's.
    func statisticsMode(for plane: DirectionPlane, path: String) -> BNStats {
        let standard = BNStats.standard(hasRunningStatistics: plane.statistics != nil)
        guard let asked = options.bnStats, path == options.checkpoint, plane.net.batchNorm else { return standard }
        if asked == .running && plane.statistics == nil {
            log.note("\(path) has no BatchNorm running statistics: drawn with batch statistics")
            return .batch
        }
        return asked
    }

    /// The message for a key that would train or change a fixed plane.
    func refuseFixed(_ what: String) {
        log.note("fixed plane: \(what) (its directions are fixed; p or e trains a pattern afresh)")
    }
}
