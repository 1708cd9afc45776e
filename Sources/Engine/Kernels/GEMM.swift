import CBLAS

/// Row-major single-precision GEMM and facts about the BLAS behind it. The only importer of CBLAS.
public enum GEMM {
    /// c[m, n] = alpha * op(a)[m, k] * op(b)[k, n] + beta * c
    @inline(__always)
    public static func multiply(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
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
