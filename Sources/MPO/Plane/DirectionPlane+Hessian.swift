import Engine
import Foundation

/// The plane of the Hessian's top two eigenvectors at a model (DESIGN.md §5; PyHessian,
/// loss-landscape-3d): d1, d2 unit and orthogonal, the eigenvalues λ1 ≥ λ2 kept in the file, so
/// along d1 the loss near the origin rises as ½λ1α². Its default view is α, β ∈ [−r, r] with
/// r the tidy value at or above √(2/λ1) — where that quadratic has risen by 1 — so a sharp
/// minimum is not drawn as one dark pixel (r = 1 when λ1 ≤ 2 or is not positive).
extension DirectionPlane {
    public static func hessian(
        origin: [Float], net: ModelSpec, dataset: DatasetKind, eigenvalues: [Double], directions: [[Float]],
        images: Int, split: Split, seed: UInt64, sources: [String]
    ) -> DirectionPlane {
        precondition(eigenvalues.count == 2 && directions.count == 2)
        var plane = DirectionPlane(
            kind: .hessian, net: net, dataset: dataset, origin: origin, direction1: directions[0], direction2: directions[1])
        plane.eigenvalues = eigenvalues
        plane.recipe.seed = seed
        plane.recipe.sources = sources
        plane.recipe.hessianImages = "\(images) \(split.rawValue)"
        return plane
    }

    /// √(2/λ1), tidied; nil when λ1 says nothing (not positive, or flat enough for [−1, 1]).
    var hessianRadius: Double? {
        guard kind == .hessian, let top = eigenvalues.first, top > 2 else { return nil }
        return Self.nice((2 / top).squareRoot())
    }
}
