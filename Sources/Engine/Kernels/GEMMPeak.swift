import Foundation

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
