import Engine
import Foundation

/// Random directions, normalised as Li et al. 2018 do (loss-landscape's
/// `normalize_directions_for_weights`): Gaussian directions shaped like the model, then per tensor
///   - a tensor of 2 or more dimensions (conv and linear weights) is rescaled: `filter` scales each
///     filter — a slice along the first dimension, one output's weights — to the norm of the same
///     filter of the model (d ← d · |w| / (|d| + 1e-10)); `layer` scales the whole tensor likewise;
///     `none` keeps the Gaussian;
///   - a 1-D tensor (biases, BN scale and shift) is zeroed with `ignore biasbn`, and otherwise set
///     to the model's own values (d ← w), as loss-landscape does. Our BN scale is stored as γ − 1
///     (DESIGN.md §1), so that copy is of γ − 1.
extension DirectionPlane {
    public enum Norm: String, CaseIterable, Sendable {
        case filter, layer, none
    }

    /// One direction [P] for the model `weights` [P] with layout `layout`, drawn from `rng`.
    public static func randomDirection(
        like weights: [Float], layout: ParameterLayout, norm: Norm, ignoreBiasBN: Bool, rng: inout Xoshiro256
    ) -> [Float] {
        precondition(weights.count == layout.count)
        var d = rng.gaussians(layout.count)
        for e in layout.entries {
            if e.shape.count <= 1 {
                for i in e.range { d[i] = ignoreBiasBN ? 0 : weights[i] }
                continue
            }
            let groups: Int
            switch norm {
            case .none: continue
            case .layer: groups = 1
            case .filter: groups = e.shape[0]
            }
            let size = e.count / groups
            for g in 0..<groups {
                let lo = e.offset + g * size, range = lo..<(lo + size)
                let wn = norm2(weights[range]), dn = norm2(d[range])
                // loss-landscape adds 1e-10 to the filter norm (not to the layer norm).
                let k = Float(wn / (dn + (norm == .filter ? 1e-10 : 0)))
                for i in range { d[i] *= k }
            }
        }
        return d
    }

    /// |x| in double precision.
    static func norm2(_ x: ArraySlice<Float>) -> Double {
        x.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
    }

    /// Two random directions around `origin` (d1 drawn first, then d2, from one generator);
    /// `statistics`: the origin model's BatchNorm running statistics [S], the same all over the plane.
    public static func random(
        origin: [Float], statistics: [Float]? = nil, net: ModelSpec, dataset: DatasetKind, norm: Norm, ignoreBiasBN: Bool, seed: UInt64,
        sources: [String]
    ) -> DirectionPlane {
        let layout = ParameterLayout(net)
        var rng = Xoshiro256(seed: seed)
        let d1 = randomDirection(like: origin, layout: layout, norm: norm, ignoreBiasBN: ignoreBiasBN, rng: &rng)
        let d2 = randomDirection(like: origin, layout: layout, norm: norm, ignoreBiasBN: ignoreBiasBN, rng: &rng)
        var plane = DirectionPlane(kind: .random, net: net, dataset: dataset, origin: origin, direction1: d1, direction2: d2)
        plane.recipe.norm = norm.rawValue
        plane.recipe.ignore = ignoreBiasBN ? "biasbn" : nil
        plane.recipe.seed = seed
        plane.recipe.sources = sources
        plane.statistics = statistics.map { Statistics(origin: $0, layout: StatisticsLayout(net)) }
        return plane
    }
}
