import CBLAS
import CKernels

/// Row-major GEMM and facts about the BLAS behind it. The only importer of CBLAS.
public enum GEMM {
    /// How the products are computed: fp32 (the reference), or inputs rounded to bfloat16 with
    /// fp32 accumulation through our AVX512-BF16 kernel (about 2x OpenBLAS fp32 on the paper net's
    /// shapes, relative error of a product ~2^-9).
    public enum Precision: String, CaseIterable, Sendable, Codable {
        case fp32, bf16
    }

    /// Whether this CPU runs the bf16 kernel at speed at the process's default level.
    public static var bf16Available: Bool { Compute.bf16Fast(on: .default) }

    /// c[m, n] = alpha * op(a)[m, k] * op(b)[k, n] + beta * c, the way `compute` says: bf16 through
    /// our kernel; fp32 at the avx2 level through our AVX2+FMA kernel (gemm_f32.c: faster than
    /// OpenBLAS on the net's small shapes, and really AVX2 whatever core OpenBLAS loaded); at avx512
    /// and above through our AVX-512 kernel (gemm_f32_avx512.c) except where `openBLASWins`; at the
    /// portable level through the built-in portable GEMM.
    @inline(__always)
    public static func multiply(
        _ compute: Compute = .default,
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let ta: Int32 = transposeA ? 1 : 0, tb: Int32 = transposeB ? 1 : 0
        switch (compute.precision, compute.isa) {
        case (.bf16, _):
            lp_gemm_bf16(compute.isa.level, ta, tb, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        case (.fp32, .avx2):
            lp_gemm_f32(compute.isa.level, ta, tb, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        case (.fp32, .avx512), (.fp32, .avx512bf16), (.fp32, .amx):
            if openBLASWins(transposeA: transposeA, transposeB: transposeB, m: m, k: k) {
                lp_sgemm(ta, tb, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
            } else {
                lp_gemm_f32(compute.isa.level, ta, tb, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
            }
        case (.fp32, .portable):
            lp_sgemm_builtin(ta, tb, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        case (.fp32, _):
            lp_sgemm(ta, tb, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
    }

    /// Where OpenBLAS (SkylakeX kernels) beats our AVX-512 kernel on the paper net's shapes
    /// (scripts/bench-gemm-f32.sh, one thread, Xeon model 207): a depth under 16, i.e. conv1 forward
    /// (K = 9: ours 0.8-0.9x) and fc2's input gradient (K = 10: 0.7x), where our per-tile overhead
    /// is not amortised over k; and fc1 forward at batch 512 (A * B^T, 512 x 128 x 1024: 0.9x).
    /// Every other shape of the net runs ours (0.95-1.0x on fc1's gradients, 1.1-1.55x on the
    /// convolutions, which are most of the work).
    @inline(__always)
    static func openBLASWins(transposeA: Bool, transposeB: Bool, m: Int, k: Int) -> Bool {
        k < 16 || (!transposeA && transposeB && k >= 1024 && m >= 256)
    }

    /// The same product through OpenBLAS whatever the level (the yardstick `measuredPeak` times).
    public static func multiplyOpenBLAS(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        lp_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Which BLAS runs the GEMMs, with which kernels, on how many threads per call.
    public struct Backend: Sendable, CustomStringConvertible {
        public let name: String
        public let core: String
        /// "user" (OPENBLAS_CORETYPE was set), "auto" (chosen from the ISA level) or "library" (OpenBLAS's own).
        public let coreSource: String
        /// The OPENBLAS_CORETYPE the user had set, or "".
        public let userCore: String
        public let threadsPerCall: Int
        public let configuration: String
        /// Why the built-in fallback runs, when it does.
        public let loadError: String

        public var description: String {
            var s = "\(name) core=\(core) (\(coreSource)) threads/call=\(threadsPerCall)"
            if !loadError.isEmpty { s += " [OpenBLAS unavailable: \(loadError)]" }
            return s
        }
    }

    /// Loads the library on first use.
    public static var backend: Backend {
        _ = lp_blas_load()
        return Backend(
            name: String(cString: lp_blas_backend()), core: String(cString: lp_blas_core()),
            coreSource: String(cString: lp_blas_core_source()), userCore: String(cString: lp_blas_user_core()),
            threadsPerCall: Int(lp_blas_threads()), configuration: String(cString: lp_blas_config()),
            loadError: String(cString: lp_blas_load_error()))
    }
}
