import CKernels
import Engine
import Foundation

/// The top two principal directions of a training trajectory about its final model (Li et al.
/// 2018, §7): with the snapshots' offsets D = [w_t − w_final] (T x P, P ~ 150k and T tens to
/// hundreds), the T x T Gram matrix G = D Dᵀ = V Λ Vᵀ gives the unit directions u_k = Dᵀ v_k / √λ_k
/// without ever forming the P x P covariance. The offsets are not centred on their mean (as
/// sklearn's PCA, which loss-landscape uses, would): the plane then passes through the final
/// model, which is its origin, and λ_k / trace(G) is the share of the path's squared distance
/// from it that each direction holds.
extension DirectionPlane {
    /// `rows`: the snapshots [T * P]; `final`: the origin [P]; `statistics`: the final model's
    /// BatchNorm running statistics [S] (the snapshots keep none), the same all over the plane.
    public static func pca(
        rows: [Float], count t: Int, final: [Float], statistics: [Float]? = nil, net: ModelSpec, dataset: DatasetKind, steps: [Int] = [],
        sources: [String]
    ) throws -> DirectionPlane {
        let p = final.count
        precondition(rows.count == t * p)
        guard t >= 2 else { throw Degenerate(description: "a trajectory of \(t) snapshot\(t == 1 ? "" : "s") has no two directions; record more (mpo fit --trajectory-every)") }
        // D [T, P]
        var d = [Float](repeating: 0, count: t * p)
        for k in 0..<t { for i in 0..<p { d[k * p + i] = rows[k * p + i] - final[i] } }
        var gram = [Double](repeating: 0, count: t * t)
        d.withUnsafeBufferPointer { d in
            for i in 0..<t {
                for j in i..<t {
                    let g = lp_dot(p, d.baseAddress! + i * p, d.baseAddress! + j * p)
                    gram[i * t + j] = g
                    gram[j * t + i] = g
                }
            }
        }
        let eigen = SymmetricEigen(gram, n: t)
        let total = (0..<t).reduce(0) { $0 + gram[$1 * t + $1] }
        guard total > 0, eigen.values[1] > 1e-12 * total else {
            throw Degenerate(description: "the trajectory's snapshots span fewer than two directions about the final model")
        }
        var directions: [[Float]] = []
        for k in 0..<2 {
            let v = eigen.vectors[k], root = eigen.values[k].squareRoot()
            var u = [Double](repeating: 0, count: p)
            for s in 0..<t where v[s] != 0 {
                let c = v[s] / root
                for i in 0..<p { u[i] += c * Double(d[s * p + i]) }
            }
            // The sign of an eigenvector is arbitrary: point each direction towards the start.
            let start = (0..<p).reduce(0.0) { $0 + u[$1] * Double(d[$1]) }
            directions.append(u.map { Float(start < 0 ? -$0 : $0) })
        }
        var plane = DirectionPlane(kind: .pca, net: net, dataset: dataset, origin: final, direction1: directions[0], direction2: directions[1])
        plane.varianceExplained = [eigen.values[0] / total, eigen.values[1] / total]
        // The path's coordinates: its offsets projected on the (orthonormal) directions.
        d.withUnsafeBufferPointer { d in
            directions[0].withUnsafeBufferPointer { u1 in
                directions[1].withUnsafeBufferPointer { u2 in
                    plane.trajectory = (0..<t).map { k in
                        Marker(name: k < steps.count ? String(steps[k]) : String(k),
                               alpha: lp_dot(p, d.baseAddress! + k * p, u1.baseAddress!),
                               beta: lp_dot(p, d.baseAddress! + k * p, u2.baseAddress!))
                    }
                }
            }
        }
        plane.recipe.sources = sources
        plane.statistics = statistics.map { Statistics(origin: $0, layout: StatisticsLayout(net)) }
        return plane
    }
}
