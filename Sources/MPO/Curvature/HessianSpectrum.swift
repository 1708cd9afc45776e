import Engine
import Foundation

/// The curvature of one net's loss at one point w, on a fixed set of images: the Hessian's top
/// eigenpairs (Lanczos), its trace (Hutchinson), its eigenvalue density (stochastic Lanczos
/// quadrature) and the top eigenvalue of one parameter tensor's block — all from Hessian-vector
/// products (`HessianVectorProduct`). Every method takes `progress` (called after each product)
/// and `cancelled` (asked before each; true ends it with `Lanczos.Cancelled`), so a UI can run it
/// on a worker thread, show how far it is and stop it:
///
///     let spectrum = try HessianSpectrum(net: net, weights: w, data: images)
///     let top = try spectrum.top(k: 1, progress: { show($0.estimates) }, cancelled: { stop.load(ordering: .relaxed) })
public final class HessianSpectrum {
    public let product: HessianVectorProduct

    /// `step`: the central differences' step (`HessianVectorProduct.step`), unused by `exact`.
    public init(
        net: ModelSpec, weights: [Float], data: Dataset, method: HessianVectorProduct.Method = .exact, step: Float = 3e-3,
        workers: Int = CPU.cores
    ) throws {
        product = try HessianVectorProduct(net: net, weights: weights, data: data, method: method, step: step, workers: workers)
    }

    public var parameterCount: Int { product.dimension }

    /// The k largest eigenvalues (algebraic, descending) and their unit eigenvectors.
    public func top(
        k: Int, tolerance: Double = 1e-3, maxSteps: Int = 100, seed: UInt64 = 0,
        progress: (Lanczos.Progress) -> Void = { _ in }, cancelled: () -> Bool = { false }
    ) throws -> Lanczos.Result {
        try Lanczos.top(
            k: k, dimension: product.dimension, tolerance: tolerance, maxSteps: maxSteps, seed: seed, progress: progress,
            cancelled: cancelled, operator: product.apply)
    }

    /// Hutchinson's estimate of tr(H) from `samples` Rademacher probes.
    public func trace(
        samples: Int, seed: UInt64 = 0, progress: (Int) -> Void = { _ in }, cancelled: () -> Bool = { false }
    ) throws -> HutchinsonTrace {
        try HutchinsonTrace.estimate(
            dimension: product.dimension, samples: samples, seed: seed, progress: progress, cancelled: cancelled, operator: product.apply)
    }

    /// The eigenvalue density from `probes` runs of `steps` Lanczos steps.
    public func density(
        probes: Int, steps: Int, seed: UInt64 = 0, progress: (Int) -> Void = { _ in }, cancelled: () -> Bool = { false }
    ) throws -> SpectralDensity {
        try SpectralDensity.estimate(
            dimension: product.dimension, probes: probes, steps: steps, seed: seed, progress: progress, cancelled: cancelled,
            operator: product.apply)
    }

    /// The top eigenvalue of the Hessian restricted to one block of parameters (the square block
    /// of H on `range`, e.g. one weight tensor): Lanczos on vectors that are zero outside it.
    public func topOfBlock(
        _ range: Range<Int>, tolerance: Double = 1e-3, maxSteps: Int = 100, seed: UInt64 = 0,
        progress: (Lanczos.Progress) -> Void = { _ in }, cancelled: () -> Bool = { false }
    ) throws -> Lanczos.Result {
        precondition(range.lowerBound >= 0 && range.upperBound <= product.dimension && !range.isEmpty)
        var full = [Float](repeating: 0, count: product.dimension)
        return try Lanczos.top(
            k: 1, dimension: range.count, tolerance: tolerance, maxSteps: maxSteps, seed: seed, progress: progress, cancelled: cancelled
        ) { v in
            full.replaceSubrange(range, with: v)
            return Array(product.apply(full)[range])
        }
    }
}
