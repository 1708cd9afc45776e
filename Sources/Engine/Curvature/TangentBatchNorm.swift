import CKernels

/// BatchNorm with the batch's statistics (as `BatchNorm`: biased variance, eps 1e-5, stored
/// scale γ − 1) and its R-operator (`TangentLayer`). Per channel, over its M = N·H·W values,
/// with s = 1/√(σ² + eps) and x̂ = (x − μ)·s:
///
///     y = γ·x̂ + β                      R{x̂} = s·(R{x} − mean(R{x}) − x̂·mean(x̂·R{x}))
///     R{y} = γ·R{x̂} + vγ·x̂ + vβ        R{s} = −s²·mean(x̂·R{x})
///     dx = γ·s·A,  A = dy − mean(dy) − x̂·mean(dy·x̂)
///     R{dx} = (vγ·s + γ·R{s})·A + γ·s·(R{dy} − mean(R{dy}) − R{x̂}·mean(dy·x̂) − x̂·mean(R{dy}·x̂ + dy·R{x̂}))
///     ∂L/∂γ = Σ dy·x̂, ∂L/∂β = Σ dy;   R{∂L/∂γ} = Σ (R{dy}·x̂ + dy·R{x̂}), R{∂L/∂β} = Σ R{dy}
/// Sums in double precision. x: [C, N, H, W] -> y: [C, N, H, W]; scale, shift [C].
final class TangentBatchNorm: TangentLayer {
    let channels: Int, hw: Int
    let scaleOffset: Int, shiftOffset: Int
    let compute: Compute
    /// Per channel, from the last forward pass: μ, s, mean(R{x}) and mean(x̂·R{x}).
    private var mean: [Float], invstd: [Float], tangentMean: [Double], tangentCorrelation: [Double]

    var outputSize: Int { channels * hw }

    init(channels: Int, hw: Int, scaleOffset: Int, shiftOffset: Int, compute: Compute) {
        (self.channels, self.hw, self.scaleOffset, self.shiftOffset, self.compute) = (channels, hw, scaleOffset, shiftOffset, compute)
        mean = .init(repeating: 0, count: channels)
        invstd = .init(repeating: 0, count: channels)
        tangentMean = .init(repeating: 0, count: channels)
        tangentCorrelation = .init(repeating: 0, count: channels)
    }

    func forward(
        x: UnsafePointer<Float>, rx: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, ry: UnsafeMutablePointer<Float>,
        n: Int, weights: UnsafePointer<Float>, direction: UnsafePointer<Float>
    ) {
        let run = n * hw
        lp_batchnorm_forward(
            compute.isa.level, x, weights + scaleOffset, weights + shiftOffset, Int32(channels), run, BatchNorm.epsilon, y, &mean, &invstd)
        for c in 0..<channels {
            let xc = x + c * run, rc = ry + c * run
            let mu = Double(mean[c]), s = Double(invstd[c]), gamma = Double(weights[scaleOffset + c]) + 1
            let vGamma = Double(direction[scaleOffset + c]), vBeta = Double(direction[shiftOffset + c])
            var a = 0.0, b = 0.0
            if let rx {
                let r = rx + c * run
                for i in 0..<run {
                    a += Double(r[i])
                    b += (Double(xc[i]) - mu) * s * Double(r[i])
                }
                (a, b) = (a / Double(run), b / Double(run))
            }
            (tangentMean[c], tangentCorrelation[c]) = (a, b)
            for i in 0..<run {
                let xhat = (Double(xc[i]) - mu) * s
                let rxhat = rx.map { s * (Double($0[c * run + i]) - a - xhat * b) } ?? 0
                rc[i] = Float(gamma * rxhat + vGamma * xhat + vBeta)
            }
        }
    }

    func backward(
        x: UnsafePointer<Float>, rx: UnsafePointer<Float>?, y: UnsafePointer<Float>, ry: UnsafePointer<Float>,
        dy: UnsafeMutablePointer<Float>, rdy: UnsafeMutablePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, rdx: UnsafeMutablePointer<Float>?, n: Int,
        weights: UnsafePointer<Float>, direction: UnsafePointer<Float>,
        hv: UnsafeMutablePointer<Float>, gradient: UnsafeMutablePointer<Float>?
    ) {
        let run = n * hw, m = Double(run)
        for c in 0..<channels {
            let xc = x + c * run, g = dy + c * run, rg = rdy + c * run
            let mu = Double(mean[c]), s = Double(invstd[c]), gamma = Double(weights[scaleOffset + c]) + 1
            let vGamma = Double(direction[scaleOffset + c]), a = tangentMean[c], b = tangentCorrelation[c]
            @inline(__always) func xhat(_ i: Int) -> Double { (Double(xc[i]) - mu) * s }
            @inline(__always) func rxhat(_ i: Int) -> Double { rx.map { s * (Double($0[c * run + i]) - a - xhat(i) * b) } ?? 0 }
            var sumG = 0.0, sumGX = 0.0, sumRG = 0.0, sumR = 0.0  // Σ dy, Σ dy·x̂, Σ R{dy}, Σ (R{dy}·x̂ + dy·R{x̂})
            for i in 0..<run {
                let xh = xhat(i), gi = Double(g[i]), ri = Double(rg[i])
                sumG += gi
                sumGX += gi * xh
                sumRG += ri
                sumR += ri * xh + gi * rxhat(i)
            }
            hv[scaleOffset + c] += Float(sumR)
            hv[shiftOffset + c] += Float(sumRG)
            if let gradient {
                gradient[scaleOffset + c] += Float(sumGX)
                gradient[shiftOffset + c] += Float(sumG)
            }
            guard let dx, let rdx else { continue }
            let (mG, mGX, mRG, mR) = (sumG / m, sumGX / m, sumRG / m, sumR / m)
            let rs = -s * s * b
            let outer = vGamma * s + gamma * rs
            let dxc = dx + c * run, rdxc = rdx + c * run
            for i in 0..<run {
                let xh = xhat(i), gi = Double(g[i])
                let big = gi - mG - xh * mGX
                rdxc[i] = Float(outer * big + gamma * s * (Double(rg[i]) - mRG - rxhat(i) * mGX - xh * mR))
                dxc[i] = Float(gamma * s * big)
            }
        }
    }
}
