import Engine
import Foundation

/// A curve as a plane kind: the plane through A, B and θ (`DirectionPlane.through`: A at (0, 0),
/// B at (1, 0), θ at (α_θ, 1)) with the curve as its path. Every point of the curve is a weighted
/// sum of the three, so it lies in the plane exactly:
///
///     (α, β)(t) = c_θ(t) (α_θ, 1) + c_B(t) (1, 0).
extension Curve {
    /// Points of the path drawn on the plane.
    public static let pathPoints = 101

    public func plane(net: ModelSpec, dataset: DatasetKind, sources: [String]) -> DirectionPlane {
        var plane: DirectionPlane
        do {
            plane = try DirectionPlane.through(a, b, theta, net: net, dataset: dataset, sources: sources)
        } catch {
            // θ on the segment (a curve before its first step): the plane has no second direction;
            // keep d2 = 0 and draw the curve along β = 0. (`mpo curve` refuses A = B.)
            plane = DirectionPlane(kind: .models, net: net, dataset: dataset, origin: a,
                                   direction1: zip(b, a).map { $0 - $1 }, direction2: [Float](repeating: 0, count: a.count))
            plane.recipe.sources = sources
            plane.markers = [.init(name: "A", alpha: 0, beta: 0), .init(name: "B", alpha: 1, beta: 0), .init(name: "C", alpha: 0.5, beta: 0)]
        }
        plane.kind = .curve
        let thetaAt = plane.markers[2]
        plane.markers[2].name = "θ"
        plane.trajectory = Self.evenly(Self.pathPoints).enumerated().map { k, t in
            let c = Self.coefficients(kind, t: t)
            return DirectionPlane.Marker(name: String(k), alpha: c.theta * thetaAt.alpha + c.b, beta: c.theta * thetaAt.beta)
        }
        return plane
    }
}
