import XCTest
@testable import Engine

final class BackendTests: XCTestCase {
    static let openBLASInstalled = ["/usr/lib/x86_64-linux-gnu/libopenblas.so.0", "/usr/lib/libopenblas.so.0", "/usr/lib64/libopenblas.so.0"]
        .contains { FileManager.default.fileExists(atPath: $0) }

    func testOpenBLASIsUsedWhenInstalled() throws {
        guard Self.openBLASInstalled else { throw XCTSkip("libopenblas is not installed") }
        let backend = GEMM.backend
        XCTAssertEqual(backend.name, "OpenBLAS", "\(backend)")
        XCTAssertEqual(backend.loadError, "")
        XCTAssertTrue(backend.configuration.contains("OpenBLAS"), backend.configuration)
        XCTAssertTrue(backend.description.contains("OpenBLAS core=\(backend.core)"), backend.description)
        if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil || ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == "1" {
            XCTAssertEqual(backend.threadsPerCall, 1, "we split work across cores ourselves")
        }
    }

    /// Debian's OpenBLAS 0.3.21 takes newer AVX-512 CPUs for a "Prescott" (SSE3) unless told: the
    /// engine chooses the core from the process's ISA level (the CPU's, capped by MPO_ISA), and a
    /// core the user set is respected. The loader remembers which it was: the variable it sets
    /// itself is not the user's.
    func testCoreMatchesTheISALevel() throws {
        guard Self.openBLASInstalled else { throw XCTSkip("libopenblas is not installed") }
        #if !arch(x86_64)
        throw XCTSkip("OpenBLAS detects ARM cores itself")
        #else
        let backend = GEMM.backend
        if !backend.userCore.isEmpty {
            XCTAssertEqual(backend.coreSource, "user", "\(backend)")
            XCTAssertEqual(backend.core.lowercased(), backend.userCore.lowercased(), "the user's OPENBLAS_CORETYPE runs")
            return
        }
        XCTAssertEqual(backend.coreSource, "auto", "\(backend)")
        let expected: String
        switch ISA.default {
        case .portable, .neon: expected = "prescott"
        case .avx2: expected = "haswell"
        case .avx512, .avx512bf16, .amx: expected = CPU.flags.contains("avx512cd") ? "skylakex" : "haswell"
        }
        XCTAssertEqual(backend.core.lowercased(), expected, "\(backend) at ISA level \(ISA.default)")
        #endif
    }

    /// c = alpha op(a) op(b) + beta c against a triple loop in Double, row-major, with leading
    /// dimensions wider than the matrices and guard values around them.
    /// On every ISA level this CPU runs (each has its own fp32 GEMM path).
    func testGEMMAgainstATripleLoop() {
        for isa in ISA.supported { checkGEMM(Compute(isa: isa, precision: .fp32)) }
    }

    func checkGEMM(_ compute: Compute) {
        var rng = Xoshiro256(seed: 80)
        let shapes = [(1, 1, 1), (3, 5, 7), (16, 16, 16), (33, 17, 65), (8, 300, 72), (64, 1, 9), (1, 128, 40), (130, 67, 3)]
        for (m, n, k) in shapes {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    for beta: Float in [0, 1, 0.5] {
                        let alpha: Float = beta == 0.5 ? -1.5 : 1
                        let (rowsA, colsA) = transposeA ? (k, m) : (m, k)
                        let (rowsB, colsB) = transposeB ? (n, k) : (k, n)
                        let lda = colsA + 3, ldb = colsB + 1, ldc = n + 5
                        let a = rng.floats(rowsA * lda), b = rng.floats(rowsB * ldb)
                        var c = rng.floats(m * ldc)
                        if beta == 0 {  // must be overwritten, not scaled: BLAS ignores c when beta = 0
                            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = .nan } }
                        }
                        let before = c
                        var want = [Double](repeating: 0, count: m * n)
                        for i in 0..<m {
                            for j in 0..<n {
                                var s = 0.0
                                for p in 0..<k {
                                    let x = transposeA ? a[p * lda + i] : a[i * lda + p]
                                    let y = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                                    s += Double(x) * Double(y)
                                }
                                want[i * n + j] = Double(alpha) * s + (beta == 0 ? 0 : Double(beta) * Double(before[i * ldc + j]))
                            }
                        }
                        a.withUnsafeBufferPointer { a in
                            b.withUnsafeBufferPointer { b in
                                c.withUnsafeMutableBufferPointer { c in
                                    GEMM.multiply(
                                        compute, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                                        a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb, beta: beta, c: c.baseAddress!, ldc: ldc)
                                }
                            }
                        }
                        let what = "\(compute) m=\(m) n=\(n) k=\(k) tA=\(transposeA) tB=\(transposeB) alpha=\(alpha) beta=\(beta)"
                        var got: [Float] = []
                        for i in 0..<m {
                            got += c[(i * ldc)..<(i * ldc + n)]
                            // Padding columns of c are not touched.
                            XCTAssertEqual(Array(c[(i * ldc + n)..<((i + 1) * ldc)]), Array(before[(i * ldc + n)..<((i + 1) * ldc)]), what)
                        }
                        // float32 sums of k products of values in [-1, 1]: error ~ sqrt(k) ulp.
                        let scale = max(1, Double(k).squareRoot())
                        let worst = zip(got, want).map { abs(Double($0) - $1) }.max()!
                        XCTAssertLessThan(worst.isNaN ? .infinity : worst, 1e-5 * scale * Double(max(1, abs(alpha))), what)
                    }
                }
            }
        }
    }
}
