import CKernels
import Engine
import Foundation

/// A plane of fixed directions (DESIGN.md §5): an origin model w0 and two directions d1, d2,
///
///     w(α, β) = w0 + α·d1 + β·d2,
///
/// made from random filter-normalised directions (`random`), three models (`models`) or the top
/// two principal directions of a trajectory (`pca`). Nothing about it trains. Grid positions
/// are (row, col) = (−β, α) (see `PlaneFrame`).
public struct DirectionPlane: PlaneSurface, Sendable {
    /// A named point of the plane (the models A, B, C of a three-model plane).
    public struct Marker: Hashable, Sendable, Codable {
        public var name: String
        public var alpha: Double, beta: Double
        public init(name: String, alpha: Double, beta: Double) {
            self.name = name
            self.alpha = alpha
            self.beta = beta
        }
    }

    /// How the plane was made: recorded in the file so it can be made again.
    public struct Recipe: Hashable, Sendable {
        /// random: filter, layer or none; how the directions were scaled.
        public var norm: String?
        /// random: "biasbn" when bias and BN directions are zeroed.
        public var ignore: String?
        public var seed: UInt64?
        /// The files the plane was made from (models, a trajectory, an MPO plane).
        public var sources: [String] = []
        /// random --around, hessian --at: the plane position whose weights are the origin ("ROW,COL" or "α,β").
        public var around: String?
        /// hessian: the images the Hessian was taken on ("1000 train").
        public var hessianImages: String?
        public init() {}
    }

    /// random, models, pca, curve or hessian (never mpo: a trained plane is a `Checkpoint`).
    public var kind: PlaneKind
    public var net: ModelSpec
    public var dataset: DatasetKind
    /// w0, d1, d2: [P] each, in ParameterLayout order.
    public var origin: [Float]
    public var direction1: [Float]
    public var direction2: [Float]
    public var recipe = Recipe()
    public var markers: [Marker] = []
    /// The path a trajectory took, projected onto the plane: (α, β) per snapshot ([T, 2] in the file).
    public var trajectory: [Marker] = []
    /// pca: the fraction of the trajectory's squared distance from the origin along d1 and d2.
    public var varianceExplained: [Double] = []
    /// The BatchNorm running statistics of the models it was made from, moved with the weights;
    /// nil when they had none (or the net has no BatchNorm).
    public var statistics: Statistics?
    /// hessian: λ1 ≥ λ2, the eigenvalues of d1 and d2.
    public var eigenvalues: [Double] = []
    public var created = Date()

    public init(kind: PlaneKind, net: ModelSpec, dataset: DatasetKind, origin: [Float], direction1: [Float], direction2: [Float]) {
        precondition(kind.isFixed && origin.count == direction1.count && origin.count == direction2.count)
        self.kind = kind
        self.net = net
        self.dataset = dataset
        self.origin = origin
        self.direction1 = direction1
        self.direction2 = direction2
    }

    public var parameterCount: Int { origin.count }

    /// w(α, β) into w [P].
    public func point(alpha: Double, beta: Double, into w: UnsafeMutablePointer<Float>) {
        origin.withUnsafeBufferPointer { o in
            direction1.withUnsafeBufferPointer { d1 in
                direction2.withUnsafeBufferPointer { d2 in
                    lp_plane_point(origin.count, o.baseAddress!, Float(alpha), d1.baseAddress!, Float(beta), d2.baseAddress!, w)
                }
            }
        }
    }

    public func point(row: Double, col: Double, into w: UnsafeMutablePointer<Float>) {
        point(alpha: col, beta: -row, into: w)  // (row, col) = (−β, α): see PlaneFrame
    }

    /// BatchNorm running statistics over the plane, affine as the weights are:
    ///
    ///     s(α, β) = s0 + α·e1 + β·e2,   each [S] (`StatisticsLayout`),
    ///
    /// with e1 = e2 = 0 around one model (random, PCA: its statistics everywhere, as loss-landscape
    /// keeps the model's buffers), and through three models the same combination as their weights,
    /// so each marker gets its own model's statistics. A variance below 0 (far outside the three)
    /// is taken as 0.
    public struct Statistics: Sendable, Equatable {
        public var origin: [Float], direction1: [Float], direction2: [Float]
        let variances: [Int]

        public init(origin: [Float], direction1: [Float]? = nil, direction2: [Float]? = nil, layout: StatisticsLayout) {
            precondition(origin.count == layout.count)
            self.origin = origin
            self.direction1 = direction1 ?? .init(repeating: 0, count: origin.count)
            self.direction2 = direction2 ?? .init(repeating: 0, count: origin.count)
            variances = layout.varianceIndices
        }

        /// s(α, β) into s [S].
        public func point(alpha: Double, beta: Double, into s: UnsafeMutablePointer<Float>) {
            origin.withUnsafeBufferPointer { o in
                direction1.withUnsafeBufferPointer { e1 in
                    direction2.withUnsafeBufferPointer { e2 in
                        lp_plane_point(origin.count, o.baseAddress!, Float(alpha), e1.baseAddress!, Float(beta), e2.baseAddress!, s)
                    }
                }
            }
            for i in variances where s[i] < 0 { s[i] = 0 }
        }
    }

    public var statisticsCount: Int { statistics?.origin.count ?? 0 }

    public func statistics(row: Double, col: Double, into s: UnsafeMutablePointer<Float>) {
        statistics?.point(alpha: col, beta: -row, into: s)
    }

    public func weights(alpha: Double, beta: Double) -> [Float] {
        var w = [Float](repeating: 0, count: parameterCount)
        w.withUnsafeMutableBufferPointer { point(alpha: alpha, beta: beta, into: $0.baseAddress!) }
        return w
    }

    /// Half-width of the default view: 1 (α, β ∈ [−1, 1]), widened to hold every marker and the
    /// whole trajectory with a tenth to spare (a PCA plane's unit directions put the path many
    /// units away); the origin stays at the centre.
    public var radius: Double {
        if let r = hessianRadius { return r }
        let far = (markers + trajectory).map { max(abs($0.alpha), abs($0.beta)) }.max() ?? 0
        return far * 1.1 <= 1 ? 1 : Self.nice(far * 1.1)
    }

    /// The default view: α, β ∈ [−radius, radius] in 51 x 51 samples.
    public var frame: PlaneFrame { .alphaBeta(radius: radius) }

    /// The smallest 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k at or above x (tidy axis ends).
    static func nice(_ x: Double) -> Double {
        let e = pow(10, floor(log10(x)))
        return ([1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map { $0 * e }.first { $0 >= x * (1 - 1e-12) }) ?? 10 * e
    }

    /// One line on how the plane was made, for panels and summaries.
    public var description: String {
        switch kind {
        case .random:
            var s = "random, \(recipe.norm ?? "filter")-normalised"
            if recipe.ignore == "biasbn" { s += ", bias/BN ignored" }
            if let seed = recipe.seed { s += ", seed \(seed)" }
            return s
        case .models: return "through three models (A, B, C)"
        case .pca: return "PCA of a trajectory (\(trajectory.count) snapshots)"
        case .curve: return "through a curve's ends A, B and its point θ"
        case .hessian:
            return "top Hessian eigenvectors, " + eigenvalues.enumerated().map { String(format: "λ%d %.4g", $0.offset + 1, $0.element) }.joined(separator: ", ")
                + (recipe.hessianImages.map { " (\($0) images)" } ?? "")
        case .mpo: return "trained"  // not made: init refuses it
        }
    }
}
