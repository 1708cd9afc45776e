import Engine
import XCTest
@testable import MPO

/// The plane map alone: w(row, col) from (origin, right_param, up_param, scale), and its backward
/// pass, checked by central finite differences.
final class PlaneTests: XCTestCase {
    func randomPlane(p: Int, seed: UInt64) -> Plane {
        var rng = Xoshiro256(seed: seed)
        let params = (0..<(3 * p)).map { _ in rng.uniform(-1, 1) } + [0.3]
        return Plane(count: p, parameters: params, height: 7, width: 6)
    }

    func testAxesAreOrthogonalAndOfEqualLength() {
        let plane = randomPlane(p: 40, seed: 1)
        let axes = plane.axes()
        let dot = zip(axes.up, axes.right).map { Double($0) * Double($1) }.reduce(0, +)
        let nu = axes.up.map { Double($0 * $0) }.reduce(0, +).squareRoot()
        let nr = axes.right.map { Double($0 * $0) }.reduce(0, +).squareRoot()
        XCTAssertEqual(dot / (nu * nr), 0, accuracy: 1e-5)
        XCTAssertEqual(nu, nr, accuracy: 1e-4 * nr)
        // right = right_param - origin
        for i in 0..<40 { XCTAssertEqual(axes.right[i], plane.parameters[40 + i] - plane.parameters[i], accuracy: 1e-6) }
    }

    func testCentredCoordinates() {
        let plane = randomPlane(p: 10, seed: 2)
        // H = 7, W = 6: the origin sits at (3, 3); rows move along up, columns along right
        XCTAssertEqual(plane.point(row: 3, col: 3), Array(plane.origin))
        let axes = plane.axes()
        let w = plane.point(row: 4, col: 1)
        for i in 0..<10 {
            XCTAssertEqual(w[i], plane.parameters[i] + 0.3 * (1 * axes.up[i] - 2 * axes.right[i]), accuracy: 1e-5)
        }
    }

    /// f = sum_k <c_k, w(row_k, col_k)> has point gradients g_k = c_k; the backward pass must match
    /// finite differences of f w.r.t. every plane parameter (origin, right_param, up_param, scale).
    func testBackwardMatchesFiniteDifferences() {
        let p = 30
        let plane = randomPlane(p: p, seed: 3)
        var rng = Xoshiro256(seed: 4)
        let cells = [(0, 0), (6, 5), (2, 4), (3, 3), (5, 1)]
        let c = cells.map { _ in (0..<p).map { _ in rng.uniform(-1, 1) } }
        func f(_ params: [Float]) -> Double {
            let q = Plane(count: p, parameters: params, height: 7, width: 6)
            var total = 0.0
            for (k, cell) in cells.enumerated() {
                let w = q.point(row: Double(cell.0), col: Double(cell.1))
                total += zip(w, c[k]).map { Double($0) * Double($1) }.reduce(0, +)
            }
            return total
        }
        var sums = Plane.PointGradients(count: p)
        for (k, cell) in cells.enumerated() {
            let (a, b) = plane.offsets(row: Double(cell.0), col: Double(cell.1))
            for i in 0..<p {
                sums.sum[i] += c[k][i]
                sums.upWeighted[i] += a * c[k][i]
                sums.rightWeighted[i] += b * c[k][i]
            }
        }
        let analytic = plane.backward(sums, axes: plane.axes())
        // Every coordinate separately: the map is smooth (no kinks), so plain central differences
        // work; eps 1e-2 keeps float32 rounding (~1e-7 * |f| / eps) well below the 1e-2 tolerance.
        let eps: Float = 1e-2
        var worst = 0.0
        for i in 0..<(3 * p + 1) {
            var plus = plane.parameters, minus = plane.parameters
            plus[i] += eps
            minus[i] -= eps
            let numeric = (f(plus) - f(minus)) / Double(2 * eps)
            let err = abs(numeric - Double(analytic[i])) / max(1, abs(numeric))
            worst = max(worst, err)
        }
        XCTAssertLessThan(worst, 1e-2, "largest relative error over all 3P+1 coordinates")
    }
}
