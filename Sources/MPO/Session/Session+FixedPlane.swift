import Foundation

extension Session {
    /// A plane of fixed directions open in the session (`mpo view` of an `mpo plane` file, or
    /// opened with `o`): nothing trains; the map, the probe and the panel show it.
    public struct FixedPlane: Sendable, Equatable {
        public var path: String
        public var kind: PlaneKind
        /// How it was made, in one line.
        public var description: String
        public var sources: [String]
        public var markers: [DirectionPlane.Marker]
        /// The projected path of a PCA plane, (α, β) per snapshot.
        public var trajectory: [DirectionPlane.Marker]
        public var varianceExplained: [Double]
        /// A Hessian plane's λ1, λ2 (the eigenvalues of d1, d2), and the images they were taken on.
        public var eigenvalues: [Double]
        public var eigenvalueImages: String?
        public var frame: PlaneFrame

        init(_ plane: DirectionPlane, path: String) {
            self.path = path
            kind = plane.kind
            description = plane.description
            sources = plane.recipe.sources
            markers = plane.markers
            trajectory = plane.trajectory
            varianceExplained = plane.varianceExplained
            eigenvalues = plane.eigenvalues
            eigenvalueImages = plane.recipe.hessianImages
            frame = plane.frame
        }

        /// "random plane run1-random"
        public var title: String { "\(kind.rawValue) plane \(((path as NSString).lastPathComponent as NSString).deletingPathExtension)" }
    }
}

extension Session.Snapshot {
    /// Where the view starts and what its coordinates are called: the pattern, or the fixed plane's α, β square.
    public var frame: PlaneFrame { fixedPlane?.frame ?? PlaneFrame(pattern: pattern) }
}

/// A session showing a fixed plane: its idle MPO variant stands by (the keys that would train it
/// say "fixed plane" instead), and every map and probe evaluates the direction plane.
extension SessionEngine {
    /// The plane the map and probes evaluate now.
    var surface: any PlaneSurface {
        if let fixed { return fixed.plane }
        return active.trainer.plane.surface
    }

    /// Opens a direction plane: its net and dataset become the session's, paused for good.
    func openFixed(_ plane: DirectionPlane, path: String) throws {
        let old = (config, train, evalSets, batchNorm)
        var c = config
        c.net = plane.net
        c.dataset = plane.dataset
        if c.dataset != config.dataset || c.net.inputShape != config.net.inputShape {
            c.dataDirectory = nil  // the file names no folder: the dataset's default
            (train, evalSets) = try Self.loadData(c, evalImages: options.evalImages)
        }
        config = c
        batchNorm = plane.net.batchNorm
        // An idle MPO plane of the same net on the current pattern (p or e starts training afresh);
        // made before the old planes go, so a failure leaves the session as it was.
        let idle: Variant
        do { idle = try makeVariant(batchNorm: batchNorm, state: nil) } catch {
            (config, train, evalSets, batchNorm) = old
            throw error
        }
        discardPlanes()
        variants[batchNorm] = idle
        fixed = (plane, path)
        paused = true
        live.sizesBatch = false
        probe = nil
        scoreJob = nil
        viewport = plane.frame.viewport
        resetMap()
    }

    /// The message for a key that would train or change a fixed plane.
    func refuseFixed(_ what: String) {
        note("fixed plane: \(what) (its directions are fixed; p or e trains a pattern afresh)")
    }
}
