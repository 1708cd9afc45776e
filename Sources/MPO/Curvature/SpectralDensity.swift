import Engine
import Foundation

/// The Hessian's eigenvalue density by stochastic Lanczos quadrature (Ghorbani et al. 2019, as
/// PyHessian computes it): for each random unit probe v, m Lanczos steps give a tridiagonal T
/// whose eigenvalues θ_i are quadrature nodes and whose eigenvectors' first components squared,
/// τ_i = s_{1,i}², their weights — vᵀ g(A) v ≈ Σ τ_i g(θ_i). Averaged over probes, with each node
/// widened to a Gaussian, that is the density φ(λ) = (1/P) Σ_j δ(λ − λ_j) smoothed.
public struct SpectralDensity: Sendable {
    /// Per probe: its nodes θ and weights τ (Σ τ = 1).
    public var nodes: [[Double]], weights: [[Double]]

    public init(nodes: [[Double]], weights: [[Double]]) {
        self.nodes = nodes
        self.weights = weights
    }

    /// `probes` runs of `steps` Lanczos steps from Gaussian unit probes (seeded).
    public static func estimate(
        dimension: Int, probes: Int, steps: Int, seed: UInt64, progress: (Int) -> Void = { _ in }, cancelled: () -> Bool = { false },
        operator apply: ([Float]) throws -> [Float]
    ) throws -> SpectralDensity {
        var rng = Xoshiro256(seed: seed)
        var nodes: [[Double]] = [], weights: [[Double]] = []
        var done = 0
        for _ in 0..<probes {
            var v = rng.gaussians(dimension)
            Lanczos.normalise(&v)
            let t = try Lanczos.tridiagonal(start: v, steps: min(steps, dimension), cancelled: cancelled) { x in
                defer { done += 1; progress(done) }
                return try apply(x)
            }
            let eigen = TridiagonalEigen(diagonal: t.alpha, offDiagonal: t.beta)
            nodes.append(eigen.values)
            weights.append(eigen.vectors.map { $0[0] * $0[0] })
        }
        return SpectralDensity(nodes: nodes, weights: weights)
    }

    /// The smallest and largest node over the probes.
    public var range: ClosedRange<Double> {
        let all = nodes.flatMap { $0 }
        return (all.min() ?? 0)...(all.max() ?? 0)
    }

    /// The density on `bins` points from just below the smallest node to just above the largest,
    /// each node a Gaussian of standard deviation `sigma` x the range (PyHessian's σ² = 1e-5 x
    /// its range is too narrow to see on 500 pixels; 1% of it draws the bulk and the outliers
    /// apart), normalised to integrate to 1 over the grid.
    public func curve(bins: Int = 1000, sigma: Double = 0.01) -> [(lambda: Double, density: Double)] {
        let r = range, width = max(r.upperBound - r.lowerBound, 1e-12), s = sigma * width
        let lo = r.lowerBound - 5 * s, hi = r.upperBound + 5 * s, dx = (hi - lo) / Double(bins - 1)
        var density = [Double](repeating: 0, count: bins)
        for (theta, tau) in zip(nodes, weights) {
            for (t, w) in zip(theta, tau) where w > 0 {
                // only the bins within 8σ of the node: the rest round to 0
                let first = max(0, Int(((t - 8 * s) - lo) / dx)), last = min(bins - 1, Int(((t + 8 * s) - lo) / dx) + 1)
                guard first <= last else { continue }
                for b in first...last {
                    let z = (lo + Double(b) * dx - t) / s
                    density[b] += w * exp(-0.5 * z * z) / (s * (2 * Double.pi).squareRoot())
                }
            }
        }
        let total = density.reduce(0, +) * dx
        return (0..<bins).map { (lo + Double($0) * dx, total > 0 ? density[$0] / total : 0) }
    }

    /// "eigenvalue,density" lines, and the nodes and weights per probe as comments.
    public func csv(bins: Int = 1000, sigma: Double = 0.01) -> String {
        var lines = ["# stochastic Lanczos quadrature: \(nodes.count) probes, \(nodes.first?.count ?? 0) steps; Gaussian width \(sigma) x range"]
        for (k, (theta, tau)) in zip(nodes, weights).enumerated() {
            lines.append("# probe \(k + 1) nodes:weights " + zip(theta, tau).map { String(format: "%.6g:%.4g", $0, $1) }.joined(separator: " "))
        }
        lines.append("eigenvalue,density")
        lines += curve(bins: bins, sigma: sigma).map { String(format: "%.6g,%.6g", $0.lambda, $0.density) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// log10 of the density against the eigenvalue (PyHessian's plot): the bulk near 0 and the
    /// few outliers at the top both show.
    public func plot(title: String, bins: Int = 1000, sigma: Double = 0.01) -> Plot {
        let points = curve(bins: bins, sigma: sigma)
        let floor = 1e-8 * (points.map(\.density).max() ?? 1)
        let series = Plot.Series(name: "density", points: points.map { Plot.Point(x: $0.lambda, y: log10(max($0.density, floor))) })
        return Plot(panels: [Plot.Panel(title: "SPECTRAL DENSITY", xLabel: "EIGENVALUE", yLabel: "LOG10 DENSITY", series: [series])], title: title.uppercased())
    }
}
