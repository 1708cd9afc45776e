import Foundation
import CKernels

extension GEMM {
    /// Measured SGEMM throughput (GFLOP/s) of `threads` concurrent single-threaded 1024^3
    /// OpenBLAS multiplications, best of a few rounds: the machine's practical peak for our kernels
    /// (OpenBLAS whatever the level, so the yardstick does not move with our own GEMM).
    public static func measuredPeak(threads: Int, seconds: Double = 0.6) -> Double {
        let n = 1024
        var rates = [Double](repeating: 0, count: threads)
        rates.withUnsafeMutableBufferPointer { rates in
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
                var c = [Float](repeating: 0, count: n * n)
                var best = 0.0
                let deadline = Date().addingTimeInterval(seconds)
                repeat {
                    let start = Date()
                    c.withUnsafeMutableBufferPointer { c in
                        multiplyOpenBLAS(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, beta: 0, c: c.baseAddress!, ldc: n)
                    }
                    best = max(best, 2 * Double(n * n * n) / Date().timeIntervalSince(start) / 1e9)
                } while Date() < deadline
                rates[t] = best
            }
        }
        return rates.reduce(0, +)
    }
}

extension GEMM {
    /// Register-only peaks of the arithmetic our kernels issue (peak.c), measured like
    /// `measuredPeak`: `threads` concurrent single-threaded loops, GFLOP/s summed. Ceilings that no
    /// memory traffic lowers, beside the SGEMM peak, which a real kernel can reach.
    public struct ArithmeticPeaks: Sendable {
        /// fp32 FMA on the widest vectors the level runs (0 at the portable level).
        public var fma: Double
        /// Which vectors `fma` used: "zmm", "ymm", "NEON" or "none".
        public var fmaVectors: String
        /// vdpbf16ps on zmm (32 bf16 multiply-adds = 64 flops an instruction); nil below AVX512-BF16.
        public var dpbf16: Double?
        /// AMX has no kernels (and no peak loop) here: why, in words.
        public var amxNote: String
    }

    public static func arithmeticPeaks(isa: ISA, threads: Int, seconds: Double = 0.3) -> ArithmeticPeaks {
        func concurrent(_ body: @escaping @Sendable () -> Double) -> Double {
            var rates = [Double](repeating: 0, count: threads)
            rates.withUnsafeMutableBufferPointer { rates in
                DispatchQueue.concurrentPerform(iterations: threads) { rates[$0] = body() }
            }
            return rates.reduce(0, +)
        }
        let level = isa.level
        let vectors: String
        switch isa {
        case .avx512, .avx512bf16, .amx: vectors = "zmm"
        case .avx2: vectors = "ymm"
        case .neon: vectors = "NEON"
        case .portable: vectors = "none"
        }
        let fma = vectors == "none" ? 0 : concurrent { lp_peak_fma_f32(level, seconds) }
        let dpbf16 = Compute.bf16Fast(on: isa) ? concurrent { lp_peak_dpbf16(level, seconds) } : nil
        let amx = CPU.hasAMX ? "n/a (AMX on this CPU, but no tile kernels yet)" : "n/a (no amx_tile on this CPU)"
        return ArithmeticPeaks(fma: fma, fmaVectors: vectors, dpbf16: dpbf16, amxNote: amx)
    }
}
