import CBLAS
import CKernels

/// Row-major GEMM and facts about the BLAS behind it. The only importer of CBLAS.
public enum GEMM {
    /// How the products are computed: fp32 through OpenBLAS (the reference), or inputs rounded
    /// to bfloat16 with fp32 accumulation through our AVX512-BF16 kernel (about 2x OpenBLAS fp32
    /// on the paper net's shapes, relative error of a product ~2^-9).
    public enum Precision: String, CaseIterable, Sendable, Codable {
        case fp32, bf16
    }

    /// Whether this CPU runs the bf16 kernel at speed (AVX512_BF16).
    public static let bf16Available = lp_gemm_bf16_available() != 0

    /// The precision every GEMM uses. Set it before work starts (it is read by all workers).
    nonisolated(unsafe) public static var precision: Precision = .fp32

    /// "fp32", "bf16", or "auto" (bf16 where the CPU has AVX512_BF16, else fp32).
    public static func precision(named name: String) -> Precision? {
        name == "auto" ? (bf16Available ? .bf16 : .fp32) : Precision(rawValue: name)
    }

    /// c[m, n] = alpha * op(a)[m, k] * op(b)[k, n] + beta * c
    @inline(__always)
    public static func multiply(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if precision == .bf16 {
            lp_gemm_bf16(
                transposeA ? 1 : 0, transposeB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha,
                a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
            return
        }
        lp_sgemm(
            transposeA ? 1 : 0, transposeB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha,
            a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Which BLAS runs the GEMMs, with which kernels, on how many threads per call.
    public struct Backend: Sendable, CustomStringConvertible {
        public let name: String
        public let core: String
        /// "user" (OPENBLAS_CORETYPE was set), "auto" (chosen from CPUID) or "library" (OpenBLAS's own).
        public let coreSource: String
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
            coreSource: String(cString: lp_blas_core_source()), threadsPerCall: Int(lp_blas_threads()),
            configuration: String(cString: lp_blas_config()),
            loadError: String(cString: lp_blas_load_error()))
    }

    public static func setThreadsPerCall(_ n: Int) { lp_blas_set_threads(Int32(n)) }
}
