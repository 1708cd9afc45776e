import Engine
import Foundation

/// Hutchinson's estimate of tr(A) for a symmetric operator given as products: tr(A) = E[zᵀAz]
/// for z with independent ±1 entries (Rademacher), so the mean of zᵀAz over S probes is unbiased
/// with standard error std/√S. Probes come from one seeded generator, so a seed repeats it.
public struct HutchinsonTrace: Sendable {
    /// zᵀAz of each probe.
    public var samples: [Double]

    public var mean: Double { samples.reduce(0, +) / Double(max(1, samples.count)) }

    /// The standard error of the mean (0 for one probe).
    public var standardError: Double {
        guard samples.count > 1 else { return 0 }
        let m = mean, n = Double(samples.count)
        return (samples.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1) / n).squareRoot()
    }

    public init(samples: [Double]) { self.samples = samples }

    /// A Rademacher vector [dimension]: one bit of the generator per entry.
    public static func probe(_ dimension: Int, rng: inout Xoshiro256) -> [Float] {
        var z = [Float](repeating: 1, count: dimension)
        var bits: UInt64 = 0
        for i in 0..<dimension {
            if i % 64 == 0 { bits = rng.next() }
            if bits & 1 == 1 { z[i] = -1 }
            bits >>= 1
        }
        return z
    }

    public static func estimate(
        dimension: Int, samples: Int, seed: UInt64, progress: (Int) -> Void = { _ in }, cancelled: () -> Bool = { false },
        operator apply: ([Float]) throws -> [Float]
    ) throws -> HutchinsonTrace {
        precondition(samples >= 1)
        var rng = Xoshiro256(seed: seed)
        var values: [Double] = []
        for s in 0..<samples {
            if cancelled() { throw Lanczos.Cancelled() }
            let z = probe(dimension, rng: &rng)
            values.append(Lanczos.dot(z, try apply(z)))
            progress(s + 1)
        }
        return HutchinsonTrace(samples: values)
    }
}
