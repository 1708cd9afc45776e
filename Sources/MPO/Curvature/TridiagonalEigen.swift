import Foundation

/// Eigenvalues and eigenvectors of a symmetric tridiagonal matrix (the Lanczos matrix T), by the
/// implicit QL algorithm with Wilkinson shifts (Numerical Recipes' tqli), in double precision:
/// O(n²) per eigenvalue, so the Ritz values can be checked after every Lanczos step.
public struct TridiagonalEigen: Sendable {
    /// Descending.
    public let values: [Double]
    /// vectors[i] is the unit eigenvector of values[i] ([n] each).
    public let vectors: [[Double]]

    /// `diagonal` [n] and `offDiagonal` [n - 1] (T[i][i+1] = T[i+1][i] = offDiagonal[i]).
    public init(diagonal: [Double], offDiagonal: [Double]) {
        let n = diagonal.count
        precondition(offDiagonal.count == max(0, n - 1))
        var d = diagonal, e = offDiagonal + [0]
        var z = [Double](repeating: 0, count: n * n)  // z[k * n + i]: component k of vector i
        for i in 0..<n { z[i * n + i] = 1 }
        for l in 0..<n {
            var iterations = 0
            while true {
                var m = l
                while m < n - 1 {
                    let dd = abs(d[m]) + abs(d[m + 1])
                    if abs(e[m]) <= Double.ulpOfOne * dd { break }
                    m += 1
                }
                if m == l { break }
                iterations += 1
                if iterations > 60 { break }  // not reached for symmetric input; leaves the estimate as it is
                var g = (d[l + 1] - d[l]) / (2 * e[l])
                var r = (g * g + 1).squareRoot()
                g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r))
                var s = 1.0, c = 1.0, p = 0.0
                var i = m - 1
                var underflow = false
                while i >= l {
                    let f = s * e[i], b = c * e[i]
                    r = (f * f + g * g).squareRoot()
                    e[i + 1] = r
                    if r == 0 {
                        d[i + 1] -= p
                        e[m] = 0
                        underflow = true
                        break
                    }
                    s = f / r
                    c = g / r
                    g = d[i + 1] - p
                    r = (d[i] - g) * s + 2 * c * b
                    p = s * r
                    d[i + 1] = g + p
                    g = c * r - b
                    for k in 0..<n {
                        let zi = z[k * n + i], zi1 = z[k * n + i + 1]
                        z[k * n + i + 1] = s * zi + c * zi1
                        z[k * n + i] = c * zi - s * zi1
                    }
                    i -= 1
                }
                if underflow { continue }
                d[l] -= p
                e[l] = g
                e[m] = 0
            }
        }
        let order = (0..<n).sorted { d[$0] > d[$1] }
        values = order.map { d[$0] }
        vectors = order.map { i in (0..<n).map { z[$0 * n + i] } }
    }
}
