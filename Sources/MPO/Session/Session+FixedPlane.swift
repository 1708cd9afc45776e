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
        /// How BatchNorm normalises its points; nil for a net without BatchNorm.
        public var bnStats: BNStats?
        /// recompute: the training images each point's statistics come from.
        public var bnImages: Int?

        init(_ plane: DirectionPlane, path: String, bnStats: BNStats? = nil, bnImages: Int? = nil) {
            self.path = path
            self.bnStats = plane.net.batchNorm ? bnStats : nil
            self.bnImages = bnImages
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
