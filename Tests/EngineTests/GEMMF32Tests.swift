import CKernels
import XCTest
@testable import Engine

/// Our fp32 GEMM (gemm_f32.c) at every level this CPU runs, and the fp32 GEMM each level routes
/// to (`GEMM.multiply`), against a double-precision reference: every transpose, alpha/beta cases,
/// sizes that hit the row and column tails of the AVX2 6x16 and AVX-512 12x32 tiles, several
/// k-blocks and m-blocks, A and B read in place or packed (a leading dimension of 128 floats forces
/// packing), the dot-product path, leading dimensions wider than the matrix, and guard values that
/// must stay.
/// Then the AVX2 layout kernels (fused pool epilogue, im2col/col2im, adaptive pool) against the
/// portable ones, bit for bit. Levels the CPU lacks are skipped, naming them.
final class GEMMF32Tests: XCTestCase {
    typealias Product = (_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
                         _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) -> Void

    /// Largest |C - reference| / (|alpha| sum |a b| + |beta c0|); fails on any guard value touched.
    func worstError(_ multiply: Product, _ label: String, ta: Bool, tb: Bool, m: Int, n: Int, k: Int, alpha: Float, beta: Float,
                    pad: (Int, Int, Int), rng: inout Xoshiro256) -> Double {
        let lda = (ta ? m : k) + pad.0, ldb = (tb ? k : n) + pad.1, ldc = n + pad.2
        let a = (0..<((ta ? k : m) * lda)).map { _ in rng.uniform(-2, 2) }  // [m or k, lda]
        let b = (0..<((tb ? n : k) * ldb)).map { _ in rng.uniform(-2, 2) }  // [k or n, ldb]
        let guardValue: Float = 12345
        // [m, ldc] plus one guard row; beta == 0: C holds NaN, which must never be read
        var c0 = (0..<((m + 1) * ldc)).map { _ in rng.uniform(-1, 1) }
        for i in 0...m { for j in 0..<ldc where i == m || j >= n { c0[i * ldc + j] = guardValue } }
        if beta == 0 { for i in 0..<m { for j in 0..<n { c0[i * ldc + j] = .nan } } }
        var c = c0
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    multiply(ta, tb, m, n, k, alpha, a.baseAddress!, lda, b.baseAddress!, ldb, beta, c.baseAddress!, ldc)
                }
            }
        }
        var worst = 0.0
        for i in 0...m {
            for j in 0..<ldc {
                let got = c[i * ldc + j]
                if i == m || j >= n {
                    if got != guardValue { XCTFail("\(label): guard at row \(i) column \(j) overwritten (m \(m) n \(n))"); return .infinity }
                    continue
                }
                var sum = 0.0, magnitude = 0.0
                for p in 0..<k {
                    let x = Double(ta ? a[p * lda + i] : a[i * lda + p]) * Double(tb ? b[j * ldb + p] : b[p * ldb + j])
                    sum += x
                    magnitude += abs(x)
                }
                let old = beta == 0 ? 0 : Double(beta) * Double(c0[i * ldc + j])
                let reference = Double(alpha) * sum + old
                let error = abs(Double(got) - reference) / (abs(Double(alpha)) * magnitude + abs(old) + 1e-30)
                if !(error <= worst) { worst = error }  // NaN propagates as a failure
            }
        }
        return worst
    }

    /// (m, n, k, pads): tails of every tile height (rows 1...6 and the 4/5 splits of 7, 8, 9),
    /// columns 1, 8, 15, 17, 196 (= 12 panels + 4); k across several 320-deep blocks; the net's
    /// shapes (conv forward with B in place, a B row stride of 128 floats that is packed, the
    /// weight gradients' long-k dot products).
    /// AVX-512 (12 x 32 tiles, 320-deep k-blocks, 144-row m-blocks): (12, 32, 9) one exact tile,
    /// (25, 59, 330) a 13-row split and a 27-column two-vector tail over two k-blocks, (150, 40, 50)
    /// two m-blocks, (72, 32, 784) the 6x4 dot products, (10, 129, 512) one A tile reading B in
    /// place on a long k, (20, 40, 128) and (128, 20, 30) with pads 0: A's rows (or A^T's) at a
    /// 512-byte stride, so A is copied/packed.
    let shapes: [(Int, Int, Int, (Int, Int, Int))] = [
        (1, 1, 1, (0, 0, 0)), (5, 17, 3, (1, 2, 3)), (7, 15, 9, (0, 5, 1)), (8, 196, 72, (3, 0, 2)), (9, 8, 300, (2, 1, 0)),
        (13, 33, 700, (1, 1, 1)), (6, 128, 10, (0, 0, 0)), (64, 49, 288, (0, 3, 5)), (97, 16, 33, (4, 0, 1)),
        (9, 8, 2000, (0, 7, 2)), (10, 3, 512, (1, 0, 0)), (3, 70, 257, (0, 0, 0)),
        (12, 32, 9, (0, 1, 0)), (25, 59, 330, (1, 2, 3)), (150, 40, 50, (2, 0, 1)), (72, 32, 784, (0, 0, 0)),
        (10, 129, 512, (3, 1, 0)), (20, 40, 128, (0, 0, 0)), (128, 20, 30, (0, 0, 0)),
    ]
    let scalars: [(Float, Float)] = [(1, 0), (0.5, 1), (-2, 0.25), (1, 1)]

    func check(_ multiply: Product, _ label: String) {
        var rng = Xoshiro256(seed: 21)
        for (m, n, k, pad) in shapes {
            for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
                for (alpha, beta) in scalars {
                    let error = worstError(multiply, label, ta: ta, tb: tb, m: m, n: n, k: k, alpha: alpha, beta: beta, pad: pad, rng: &rng)
                    // fp32 sums of k products: a few ulps per addition at most, relative to the magnitudes.
                    XCTAssertLessThan(error, Double(k + 8) * 0x1p-24,
                                      "\(label) m \(m) n \(n) k \(k) ta \(ta) tb \(tb) alpha \(alpha) beta \(beta) pads \(pad)")
                }
            }
        }
    }

    func kernel(_ isa: ISA) -> Product {
        { ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
            lp_gemm_f32(isa.level, ta ? 1 : 0, tb ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
    }

    func testAVX2KernelMatchesDoubleReference() throws {
        try XCTSkipUnless(ISA.avx2.isSupported, "no AVX2+FMA on this CPU: lp_gemm_f32 runs only its reference loop")
        check(kernel(.avx2), "lp_gemm_f32 avx2")
    }

    func testAVX512KernelMatchesDoubleReference() throws {
        try XCTSkipUnless(ISA.avx512.isSupported, "no AVX-512 F/BW/VL/DQ on this CPU: lp_gemm_f32 runs its AVX2 kernel or reference loop there")
        check(kernel(.avx512), "lp_gemm_f32 avx512")
    }

    func testReferencePathMatchesDoubleReference() {
        check(kernel(.portable), "lp_gemm_f32 portable")
    }

    func testEveryLevelsFP32GEMMMatchesDoubleReference() {
        let missing = ISA.allCases.filter { !$0.isSupported }
        if !missing.isEmpty { print("GEMMF32Tests: not on this CPU, not tested here: \(missing.map(\.rawValue).joined(separator: ", "))") }
        for isa in ISA.supported {
            let compute = Compute(isa: isa, precision: .fp32)
            check({ ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
                GEMM.multiply(compute, transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                              beta: beta, c: c, ldc: ldc)
            }, "GEMM.multiply fp32 \(isa)")
        }
    }

    /// alpha == 0 or k == 0: C = beta C, and neither A nor B is read (they hold NaN here).
    func testZeroAlphaOrDepthReadsNeitherOperand() {
        for isa in ISA.supported {
            let nan = [Float](repeating: .nan, count: 64)
            for (alpha, k, beta) in [(Float(0), 4, Float(0.5)), (1, 0, 0.5), (0, 4, 0)] {
                var c: [Float] = [1, 2, 3, 4, 5, 6]  // [2, 3]
                lp_gemm_f32(isa.level, 0, 0, 2, 3, Int32(k), alpha, nan, 4, nan, 3, beta, &c, 3)
                XCTAssertEqual(c, [1, 2, 3, 4, 5, 6].map { beta * $0 }, "\(isa) alpha \(alpha) k \(k) beta \(beta)")
            }
        }
    }

    // ---- layout kernels: every fast level against the portable one ----

    var fastLevels: [ISA] { ISA.supported.filter { $0 != .portable } }

    func testPoolEpilogueMatchesPortable() throws {
        try XCTSkipIf(fastLevels.isEmpty, "this CPU runs only the portable level")
        var rng = Xoshiro256(seed: 3)
        // sides: 28/14/7 (the paper net), odd ones (uncovered last row/column), rows of 1..3 outputs
        for (h, w) in [(28, 28), (14, 14), (7, 7), (2, 2), (3, 5), (9, 17), (15, 33), (16, 8), (5, 6)] {
            let c = 3, nb = 2, oh = h / 2, ow = w / 2, stride = nb * oh * ow + 5
            // values on a coarse grid: ties between window entries and exact zeros after the bias
            let x = (0..<(c * nb * h * w)).map { _ in Float(Int(rng.below(7)) - 3) * 0.5 }
            let bias: [Float] = [0, 0.5, -1]
            func forward(_ isa: ISA) -> ([Float], [UInt8]) {
                var y = [Float](repeating: -7, count: c * stride), arg = [UInt8](repeating: 77, count: c * stride)
                lp_pool_bias_relu_forward(isa.level, x, bias, Int32(c), Int32(nb), Int32(h), Int32(w), &y, &arg, stride)
                return (y, arg)
            }
            let (y0, arg0) = forward(.portable)
            let dy = (0..<(c * stride)).map { _ in rng.uniform(-1, 1) }
            func backward(_ isa: ISA) -> ([Float], [Float]) {
                var dx = [Float](repeating: 99, count: c * nb * h * w), db: [Float] = [0.25, 0, 0]
                lp_pool_bias_relu_backward(isa.level, dy, arg0, Int32(c), Int32(nb), Int32(h), Int32(w), stride, &dx, &db)
                return (dx, db)
            }
            let (dx0, db0) = backward(.portable)
            for isa in fastLevels {
                let (y, arg) = forward(isa)
                XCTAssertEqual(y, y0, "\(isa) \(h)x\(w): pooled values (and untouched gaps)")
                XCTAssertEqual(arg, arg0, "\(isa) \(h)x\(w): winners")
                let (dx, db) = backward(isa)
                XCTAssertEqual(dx, dx0, "\(isa) \(h)x\(w): input gradient")
                for (got, want) in zip(db, db0) { XCTAssertEqual(got, want, accuracy: 1e-4, "\(isa) \(h)x\(w): bias gradient") }
            }
        }
    }

    func testIm2colAndCol2imMatchDirectIndexing() {
        var rng = Xoshiro256(seed: 4)
        for (h, w) in [(28, 28), (7, 7), (1, 1), (1, 5), (3, 2), (9, 13)] {
            let c = 2, n = 3, n0 = 1, nb = 2, hw = h * w, cols = nb * hw
            let x = (0..<(c * n * hw)).map { _ in rng.uniform(-1, 1) }
            let dcol = (0..<(9 * c * cols)).map { _ in rng.uniform(-1, 1) }
            var want = [Float](repeating: 0, count: 9 * c * cols), wantDx = [Float](repeating: 0.5, count: c * n * hw)
            for ci in 0..<c { for tap in 0..<9 { for j in 0..<nb { for y in 0..<h { for q in 0..<w {
                let sy = y + tap / 3 - 1, sx = q + tap % 3 - 1
                guard sy >= 0, sy < h, sx >= 0, sx < w else { continue }
                let row = (ci * 9 + tap) * cols + j * hw + y * w + q, source = (ci * n + n0 + j) * hw + sy * w + sx
                want[row] = x[source]
                wantDx[source] += dcol[row]
            } } } } }
            for isa in ISA.supported {
                var col = [Float](repeating: .nan, count: 9 * c * cols)
                lp_im2col3x3(isa.level, x, Int32(c), Int32(n), Int32(h), Int32(w), Int32(n0), Int32(nb), &col)
                XCTAssertEqual(col, want, "\(isa) \(h)x\(w): im2col")
                var scratch = dcol, dx = [Float](repeating: 0.5, count: c * n * hw)
                lp_col2im3x3_add(isa.level, &scratch, Int32(c), Int32(n), Int32(h), Int32(w), Int32(n0), Int32(nb), &dx)
                for (got, expected) in zip(dx, wantDx) { XCTAssertEqual(got, expected, accuracy: 1e-5, "\(isa) \(h)x\(w): col2im") }
            }
        }
    }
}
