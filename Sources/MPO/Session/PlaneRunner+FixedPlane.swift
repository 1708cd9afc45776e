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
        // made before the old planes go, so a failure leaves the session as it was.
        let idle: Variant
        do { idle = try makeVariant(batchNorm: batchNorm, state: nil) } catch {
            (config, data, batchNorm) = old
            throw error
        }
        discardPlanes()
        variants[batchNorm] = idle
        fixed = (plane, path)
        paused = true
        sizing.sizesBatch = false
    }

    /// The message for a key that would train or change a fixed plane.
    func refuseFixed(_ what: String) {
        log.note("fixed plane: \(what) (its directions are fixed; p or e trains a pattern afresh)")
    }
}
