import CKernels
import Engine
import Foundation

/// The Lanczos iteration with full reorthogonalisation for a symmetric operator A on vectors of
/// `dimension` floats, given only as products v -> A·v (here Hessian-vector products): after m
/// steps, the Ritz values of the m x m tridiagonal T approximate A's extreme eigenvalues, the top
/// ones within a handful of steps where power iteration needs tens. The basis is kept (m vectors
/// of P floats) and every new vector is orthogonalised against all of it, twice (classical
/// Gram–Schmidt, "twice is enough"), so no ghost copies of converged eigenvalues appear. Dot
/// products are summed in double precision; everything runs in a fixed order, so a seed gives the
/// same numbers on every run.
public enum Lanczos {
    /// What `top` has after a step: for progress bars and live estimates.
    public struct Progress: Sendable {
        /// Products done, and the most `top` will do.
        public var step: Int, maxSteps: Int
        /// Current Ritz values, largest first (at most k).
        public var estimates: [Double]
        /// The largest residual |A y − θ y| of the wanted Ritz pairs, relative to the largest |θ|.
        public var residual: Double
    }

    /// The largest `values` (algebraic, descending) with unit `vectors` [dimension] each.
    public struct Result: Sendable {
        public var values: [Double]
        public var vectors: [[Float]]
        /// |A y − θ y| of each pair, from the Lanczos recurrence (β_m · last component).
        public var residuals: [Double]
        public var steps: Int
        public var converged: Bool
    }

    /// Thrown when `cancelled` says so between two products.
    public struct Cancelled: Error, CustomStringConvertible {
        public init() {}
        public var description: String { "cancelled" }
    }

    /// The k largest eigenpairs, stopping when every wanted pair's residual is at most
    /// `tolerance` x the largest |θ| (eigenvalue errors are then about tolerance² x |θ| / gap),
    /// when `maxSteps` products are done, or when the Krylov space is all of the space.
    public static func top(
        k: Int, dimension: Int, tolerance: Double = 1e-3, maxSteps: Int = 100, seed: UInt64 = 0,
        progress: (Progress) -> Void = { _ in }, cancelled: () -> Bool = { false },
        operator apply: ([Float]) throws -> [Float]
    ) throws -> Result {
        precondition(k >= 1 && k <= dimension)
        let limit = max(k, min(maxSteps, dimension))
        var rng = Xoshiro256(seed: seed)
        var converged = false, eigen = TridiagonalEigen(diagonal: [], offDiagonal: []), lastBeta = 0.0
        let run = try iterate(dimension: dimension, steps: limit, rng: &rng, cancelled: cancelled, operator: apply) { alpha, beta in
            let m = alpha.count
            eigen = TridiagonalEigen(diagonal: alpha, offDiagonal: Array(beta.prefix(m - 1)))
            lastBeta = beta.count >= m ? beta[m - 1] : 0
            let wanted = min(k, m)
            let scale = max(eigen.values.map(abs).max() ?? 0, 1e-30)
            let residual = (0..<wanted).map { lastBeta * abs(eigen.vectors[$0][m - 1]) }.max() ?? .infinity
            progress(Progress(step: m, maxSteps: limit, estimates: Array(eigen.values.prefix(k)), residual: residual / scale))
            converged = m >= k && (residual <= tolerance * scale || m == dimension)
            return converged
        }
        let m = run.alpha.count, wanted = min(k, m)
        var vectors: [[Float]] = []
        for i in 0..<wanted {
            // y = Σ_j s_j q_j, in double, then normalised (rounding leaves it a hair off unit).
            var y = [Double](repeating: 0, count: dimension)
            for j in 0..<m {
                let s = eigen.vectors[i][j]
                run.basis[j].withUnsafeBufferPointer { q in for t in 0..<dimension { y[t] += s * Double(q[t]) } }
            }
            let norm = y.reduce(0) { $0 + $1 * $1 }.squareRoot()
            vectors.append(y.map { Float($0 / norm) })
        }
        return Result(
            values: Array(eigen.values.prefix(wanted)), vectors: vectors,
            residuals: (0..<wanted).map { lastBeta * abs(eigen.vectors[$0][m - 1]) }, steps: m, converged: converged)
    }

    /// The m-step Lanczos tridiagonal from a given unit start vector (stochastic Lanczos
    /// quadrature): its diagonal α [m] and off-diagonal β [m - 1]. Fewer than m when the Krylov
    /// space closes early.
    public static func tridiagonal(
        start: [Float], steps: Int, cancelled: () -> Bool = { false }, operator apply: ([Float]) throws -> [Float]
    ) throws -> (alpha: [Double], beta: [Double]) {
        var rng = Xoshiro256(seed: 0)
        let run = try iterate(dimension: start.count, steps: steps, start: start, restart: false, rng: &rng, cancelled: cancelled, operator: apply) { _, _ in false }
        return (run.alpha, Array(run.beta.prefix(max(0, run.alpha.count - 1))))
    }

    /// The iteration itself: up to `steps` products, `stop` asked after each with α and β so far
    /// (β[j] couples steps j and j+1; β[m-1] is the norm of the last residual). With `restart`,
    /// a Krylov space that closes before `steps` is continued from a fresh random vector
    /// orthogonal to it (β = 0 there), so the top k of a small or degenerate operator are found.
    static func iterate(
        dimension p: Int, steps: Int, start: [Float]? = nil, restart: Bool = true, rng: inout Xoshiro256,
        cancelled: () -> Bool, operator apply: ([Float]) throws -> [Float], stop: ([Double], [Double]) -> Bool
    ) throws -> (alpha: [Double], beta: [Double], basis: [[Float]]) {
        var basis: [[Float]] = []
        var alpha: [Double] = [], beta: [Double] = []
        var q = start ?? rng.gaussians(p)
        guard normalise(&q) else { return ([], [], []) }
        while alpha.count < steps {
            if cancelled() { throw Cancelled() }
            var w = try apply(q)
            precondition(w.count == p, "the operator returned \(w.count) values for \(p)")
            let a = dot(q, w)
            basis.append(q)
            alpha.append(a)
            orthogonalise(&w, against: basis)
            orthogonalise(&w, against: basis)
            let b = norm(w)
            beta.append(b)
            if stop(alpha, beta) { break }
            let scale = max(alpha.map(abs).max() ?? 0, beta.max() ?? 0, 1e-300)
            if b > 1e-10 * scale {
                q = w.map { Float(Double($0) / b) }
                continue
            }
            // The Krylov space is invariant: continue in a fresh direction, or end.
            guard restart, basis.count < p else { break }
            beta[beta.count - 1] = 0
            q = rng.gaussians(p)
            orthogonalise(&q, against: basis)
            orthogonalise(&q, against: basis)
            guard normalise(&q) else { break }
        }
        return (alpha, beta, basis)
    }

    static func dot(_ x: [Float], _ y: [Float]) -> Double {
        x.withUnsafeBufferPointer { a in y.withUnsafeBufferPointer { b in lp_dot(a.count, a.baseAddress!, b.baseAddress!) } }
    }

    static func norm(_ x: [Float]) -> Double {
        x.withUnsafeBufferPointer { lp_sum_squares($0.count, $0.baseAddress!) }.squareRoot()
    }

    /// x ← x − Σ_i ⟨q_i, x⟩ q_i (classical Gram–Schmidt against unit vectors).
    static func orthogonalise(_ x: inout [Float], against basis: [[Float]]) {
        let c = basis.map { dot($0, x) }
        x.withUnsafeMutableBufferPointer { xs in
            for (q, ci) in zip(basis, c) { q.withUnsafeBufferPointer { lp_axpy(xs.count, Float(-ci), $0.baseAddress!, xs.baseAddress!) } }
        }
    }

    /// x ← x / |x|; false when x is (numerically) zero.
    @discardableResult
    static func normalise(_ x: inout [Float]) -> Bool {
        let n = norm(x)
        guard n > 0, n.isFinite else { return false }
        x.withUnsafeMutableBufferPointer { lp_scale($0.count, Float(1 / n), $0.baseAddress!) }
        return true
    }
}
