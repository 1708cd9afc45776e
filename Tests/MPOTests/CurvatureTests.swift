import Engine
import Foundation
@testable import MPO
import TestSupport
import XCTest

/// The curvature algorithms on operators whose answers are known: Lanczos on symmetric matrices
/// with chosen eigenvalues, Hutchinson on a diagonal matrix (exact for ±1 probes) and on a full
/// one (within its standard error), stochastic Lanczos quadrature where it must be exact, the
/// tridiagonal eigensolver against the Jacobi one; and the Hessian-vector product on real images:
/// the same on 1 and 2 workers, its halves adding up.
final class CurvatureTests: XCTestCase {
    /// A = Q diag(values) Qᵀ with Q a product of three random Householder reflections: [n * n].
    static func symmetric(_ values: [Double], seed: UInt64) -> (matrix: [Double], vectors: [[Double]]) {
        let n = values.count
        var rng = Xoshiro256(seed: seed)
        var q = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0 } }  // columns: q[j] is Q's column j
        for _ in 0..<3 {
            let h = rng.gaussians(n).map(Double.init), hh = h.reduce(0) { $0 + $1 * $1 }
            q = q.map { c in let d = zip(h, c).reduce(0) { $0 + $1.0 * $1.1 }; return zip(c, h).map { $0 - 2 * d / hh * $1 } }
        }
        var a = [Double](repeating: 0, count: n * n)
        for k in 0..<n { for i in 0..<n { for j in 0..<n { a[i * n + j] += values[k] * q[k][i] * q[k][j] } } }
        return (a, q)
    }

    static func apply(_ a: [Double], _ v: [Float]) -> [Float] {
        let n = v.count
        return (0..<n).map { i in Float((0..<n).reduce(0) { $0 + a[i * n + $1] * Double(v[$1]) }) }
    }

    func testLanczosFindsTheTopEigenpairsOfAKnownMatrix() throws {
        // a spread spectrum with a cluster below the top three, as a Hessian's bulk
        var rng = Xoshiro256(seed: 3)
        let values = [50.0, 31, 30] + (0..<57).map { _ in Double(rng.uniform(-2, 5)) }
        let (a, q) = Self.symmetric(values, seed: 4)
        var calls = 0, reported: [Double] = []
        let r = try Lanczos.top(k: 3, dimension: values.count, tolerance: 1e-6, seed: 1, progress: { reported = $0.estimates }) {
            calls += 1
            return Self.apply(a, $0)
        }
        XCTAssertTrue(r.converged)
        XCTAssertEqual(r.steps, calls)
        XCTAssertLessThan(calls, values.count, "converged before the Krylov space is the whole space")
        for (i, expected) in [50.0, 31, 30].enumerated() {
            XCTAssertEqual(r.values[i], expected, accuracy: 1e-4, "eigenvalue \(i + 1)")
            let overlap = zip(r.vectors[i], q[i]).reduce(0) { $0 + Double($1.0) * $1.1 }
            XCTAssertEqual(abs(overlap), 1, accuracy: 1e-4, "eigenvector \(i + 1)")
            XCTAssertEqual(r.vectors[i].reduce(0) { $0 + Double($1) * Double($1) }, 1, accuracy: 1e-5)
        }
        XCTAssertEqual(reported, r.values)
    }

    /// A diagonal matrix of size 5 has its Krylov space closed after as many steps as distinct
    /// eigenvalues the start vector sees; a degenerate one (two equal) closes early and the
    /// iteration restarts orthogonally to find the rest.
    func testLanczosGetsEveryEigenvalueOfASmallOrDegenerateOperator() throws {
        for values in [[4.0, -1, 2, 7, 0.5], [3.0, 3, 1, -2, 3]] {
            let r = try Lanczos.top(k: 5, dimension: 5, tolerance: 1e-9) { v in zip(v, values).map { $0 * Float($1) } }
            for (got, expected) in zip(r.values, values.sorted(by: >)) { XCTAssertEqual(got, expected, accuracy: 1e-5, "\(values)") }
        }
    }

    func testLanczosStopsWhenCancelled() {
        var calls = 0
        let d = (0..<50).map { Float($0 + 1) }
        XCTAssertThrowsError(try Lanczos.top(k: 2, dimension: 50, tolerance: 1e-12, cancelled: { calls >= 3 }) { v in calls += 1; return zip(v, d).map(*) }) {
            XCTAssertTrue($0 is Lanczos.Cancelled)
        }
        XCTAssertEqual(calls, 3)
    }

    func testTridiagonalEigenAgreesWithJacobi() {
        var rng = Xoshiro256(seed: 9)
        let n = 30
        let d = (0..<n).map { _ in Double(rng.uniform(-3, 3)) }, e = (0..<(n - 1)).map { _ in Double(rng.uniform(-1, 1)) }
        var full = [Double](repeating: 0, count: n * n)
        for i in 0..<n { full[i * n + i] = d[i] }
        for i in 0..<(n - 1) { (full[i * n + i + 1], full[(i + 1) * n + i]) = (e[i], e[i]) }
        let ql = TridiagonalEigen(diagonal: d, offDiagonal: e), jacobi = SymmetricEigen(full, n: n)
        for i in 0..<n {
            XCTAssertEqual(ql.values[i], jacobi.values[i], accuracy: 1e-10)
            let overlap = zip(ql.vectors[i], jacobi.vectors[i]).reduce(0) { $0 + $1.0 * $1.1 }
            XCTAssertEqual(abs(overlap), 1, accuracy: 1e-8, "vector \(i)")
        }
    }

    /// zᵀDz = Σ d_i z_i² = tr(D) for every ±1 probe: any other probe, or a wrong sum, shows.
    func testHutchinsonIsExactOnADiagonalMatrix() throws {
        let d = (0..<100).map { Float($0 % 7) - 2.5 }
        let t = try HutchinsonTrace.estimate(dimension: d.count, samples: 4, seed: 2) { v in zip(v, d).map(*) }
        for s in t.samples { XCTAssertEqual(s, d.reduce(0) { $0 + Double($1) }, accuracy: 1e-9) }
        XCTAssertEqual(t.standardError, 0, accuracy: 1e-12)
        var rng = Xoshiro256(seed: 1)
        let z = HutchinsonTrace.probe(200, rng: &rng)
        XCTAssertTrue(z.allSatisfy { $0 == 1 || $0 == -1 })
        XCTAssertEqual(Double(z.filter { $0 == 1 }.count), 100, accuracy: 30, "half the entries +1")
    }

    func testHutchinsonIsUnbiasedOnAFullMatrix() throws {
        let values = (0..<40).map { Double($0) / 4 - 2 }
        let (a, _) = Self.symmetric(values, seed: 5)
        let t = try HutchinsonTrace.estimate(dimension: 40, samples: 400, seed: 6) { Self.apply(a, $0) }
        XCTAssertGreaterThan(t.standardError, 0)
        XCTAssertEqual(t.mean, values.reduce(0, +), accuracy: 4 * t.standardError)
    }

    /// With as many steps as the dimension, the quadrature nodes are the eigenvalues, the
    /// weights the squared projections of the probe (summing to 1), and Σ τθ = vᵀAv.
    func testSpectralDensityIsExactWithFullLanczos() throws {
        let values = [9.0, 4, 2.5, 1, 0.25, -0.5, -3, 6]
        let (a, _) = Self.symmetric(values, seed: 7)
        let d = try SpectralDensity.estimate(dimension: 8, probes: 2, steps: 8, seed: 3) { Self.apply(a, $0) }
        for (nodes, weights) in zip(d.nodes, d.weights) {
            for (got, expected) in zip(nodes, values.sorted(by: >)) { XCTAssertEqual(got, expected, accuracy: 1e-4) }
            XCTAssertEqual(weights.reduce(0, +), 1, accuracy: 1e-6)
        }
        let curve = d.curve(bins: 500, sigma: 0.01)
        let dx = curve[1].lambda - curve[0].lambda
        XCTAssertEqual(curve.reduce(0) { $0 + $1.density } * dx, 1, accuracy: 1e-9, "normalised")
        // the mass sits at the eigenvalues: the density at 9 is far above the density at 7.5
        func at(_ x: Double) -> Double { curve.min { abs($0.lambda - x) < abs($1.lambda - x) }!.density }
        XCTAssertGreaterThan(at(9), 100 * at(7.5))
        XCTAssertTrue(d.csv().contains("eigenvalue,density\n"))
    }

    /// The product on real images is the same whatever the worker count, and its two halves add up
    /// to the product over all the images.
    func testProductIsDeterministicAndAddsUp() throws {
        let test = try XCTUnwrap(try? DatasetKind.fashionMNIST.load(.test), "FashionMNIST is needed at \(DatasetKind.debianFashionMNIST)")
        let images = test.prefix(600)  // three passes of at most 256 over two halves of 300
        var rng = Xoshiro256(seed: 11)
        let w = ParameterLayout(ModelSpec.tiny).initialWeights(using: &rng)
        var v = rng.gaussians(w.count)
        Lanczos.normalise(&v)
        let one = try HessianVectorProduct(net: .tiny, weights: w, data: images, workers: 1).apply(v)
        let two = try HessianVectorProduct(net: .tiny, weights: w, data: images, workers: 2).apply(v)
        XCTAssertEqual(one, two, "bit for bit")
        let a = try HessianVectorProduct(net: .tiny, weights: w, data: images.slice(0..<300)).apply(v)
        let b = try HessianVectorProduct(net: .tiny, weights: w, data: images.slice(300..<600)).apply(v)
        let sum = zip(a, b).map { Double($0 + $1) / 2 }
        let scale = one.map { abs(Double($0)) }.max()!
        XCTAssertLessThan(zip(one, sum).map { abs(Double($0) - $1) }.max()!, 1e-4 * scale, "mean of the halves")
    }
}
