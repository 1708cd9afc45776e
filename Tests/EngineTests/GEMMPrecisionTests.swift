import XCTest
@testable import Engine

/// The bf16 GEMM (gemm_bf16.c): exact products of bf16-rounded inputs summed in fp32, on every
/// transpose combination and on sizes that hit the kernel's tails, in both its AVX512-BF16 and
/// portable paths; and the rounding it applies is the round-to-nearest-even that the hardware does.
final class GEMMPrecisionTests: XCTestCase {
    /// x rounded to the nearest bf16 (ties to even), computed independently of the C code.
    func bf16(_ x: Float) -> Double {
        let bits = x.bitPattern
        let lower = bits & 0xFFFF, upper = bits & 0xFFFF_0000
        let roundUp = lower > 0x8000 || (lower == 0x8000 && (upper >> 16) & 1 == 1)
        return Double(Float(bitPattern: roundUp ? upper &+ 0x1_0000 : upper))
    }

    /// Largest |C - reference| / (|alpha| sum |a||b| + |beta c0|) over the elements, where the
    /// reference sums the bf16-rounded products in double.
    func worstError(_ compute: Compute, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float, beta: Float,
                    rng: inout Xoshiro256) -> Double {
        let lda = (transposeA ? m : k) + 3, ldb = (transposeB ? k : n) + 1, ldc = n + 2  // padded rows
        let a = (0..<((transposeA ? k : m) * lda)).map { _ in rng.uniform(-2, 2) }  // [m or k, lda]
        let b = (0..<((transposeB ? n : k) * ldb)).map { _ in rng.uniform(-2, 2) }  // [k or n, ldb]
        let c0 = (0..<(m * ldc)).map { _ in rng.uniform(-1, 1) }                     // [m, ldc]
        var c = c0
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    GEMM.multiply(compute, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                                  a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb,
                                  beta: beta, c: c.baseAddress!, ldc: ldc)
                }
            }
        }
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0, magnitude = 0.0
                for p in 0..<k {
                    let x = bf16(transposeA ? a[p * lda + i] : a[i * lda + p])
                    let y = bf16(transposeB ? b[j * ldb + p] : b[p * ldb + j])
                    sum += x * y
                    magnitude += abs(x * y)
                }
                let reference = Double(alpha) * sum + Double(beta) * Double(c0[i * ldc + j])
                let scale = abs(Double(alpha)) * magnitude + abs(Double(beta) * Double(c0[i * ldc + j])) + 1e-30
                worst = max(worst, abs(Double(c[i * ldc + j]) - reference) / scale)
            }
            // Padding between rows of C is never written.
            for j in n..<ldc { XCTAssertEqual(c[i * ldc + j], c0[i * ldc + j]) }
        }
        return worst
    }

    func check(_ compute: Compute) throws {
        var rng = Xoshiro256(seed: 11)
        // Tails of the 8-row and 16/32/48-column tiles, odd k (a padded pair), k past one 384 block.
        let sizes = [(1, 1, 1), (8, 3136, 9), (7, 17, 5), (9, 49, 33), (13, 95, 400), (32, 784, 72), (65, 33, 777)]
        for (m, n, k) in sizes {
            for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
                for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1)] {
                    let error = worstError(compute, transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: alpha, beta: beta, rng: &rng)
                    // fp32 summation of k exact products: a few ulps per addition at most.
                    XCTAssertLessThan(error, Double(k + 8) * 0x1p-24,
                                      "\(compute) m \(m) n \(n) k \(k) transposeA \(ta) transposeB \(tb) alpha \(alpha) beta \(beta)")
                }
            }
        }
    }

    func testVectorKernelMatchesExactProducts() throws {
        try XCTSkipUnless(ISA.avx512bf16.isSupported, "no AVX512_BF16 on this CPU: only the portable path runs")
        try check(Compute(isa: .avx512bf16, precision: .bf16))
    }

    func testPortablePathMatchesExactProducts() throws {
        // Every level below AVX512_BF16 runs the portable path.
        for isa in ISA.supported where !Compute.bf16Fast(on: isa) { try check(Compute(isa: isa, precision: .bf16)) }
    }

    func testRoundingIsToNearestEven() {
        // 1 + 2^-8 is halfway between bf16 neighbours 1 and 1 + 2^-7: ties go to the even one, 1.
        // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: ties go to 1 + 2^-6.
        for isa in ISA.supported {
            for (x, expected) in [(Float(1 + 0x1p-8), Float(1)), (1 + 3 * 0x1p-8, 1 + 0x1p-6), (1 + 0x1p-9, 1)] {
                var one: Float = 1, c: Float = 0, a = x
                GEMM.multiply(Compute(isa: isa, precision: .bf16), transposeA: false, transposeB: false, m: 1, n: 1, k: 1, a: &a, lda: 1, b: &one, ldb: 1,
                              beta: 0, c: &c, ldc: 1)
                XCTAssertEqual(c, expected, "x = \(x), \(isa)")
            }
        }
    }
}
