import Foundation
import CKernels

/// Adam over one flat parameter vector, with PyTorch's bias correction:
/// m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
public struct Adam: Sendable {
    public var learningRate: Float
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    /// First and second moments, [P].
    public var m: [Float]
    public var v: [Float]
    /// Steps taken.
    public var step = 0

    public init(count: Int, learningRate: Float) {
        self.learningRate = learningRate
        m = .init(repeating: 0, count: count)
        v = .init(repeating: 0, count: count)
    }

    public mutating func update(_ parameters: inout [Float], gradient: [Float]) {
        precondition(parameters.count == m.count && gradient.count == m.count)
        step += 1
        let t = Double(step)
        let stepSize = Float(Double(learningRate) / (1 - pow(Double(beta1), t)))
        let root2 = Float((1 - pow(Double(beta2), t)).squareRoot())
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        // 1 - b in double first: Float(1 - 0.999) is 1.3e-5 off PyTorch's 0.001.
        let (c1, c2) = (Float(1 - Double(beta1)), Float(1 - Double(beta2)))
        m.withUnsafeMutableBufferPointer { m in
            v.withUnsafeMutableBufferPointer { v in
                parameters.withUnsafeMutableBufferPointer { p in
                    gradient.withUnsafeBufferPointer { g in
                        for i in 0..<p.count {
                            let gi = g[i]
                            m[i] = b1 * m[i] + c1 * gi
                            v[i] = b2 * v[i] + c2 * gi * gi
                            p[i] -= stepSize * m[i] / (v[i].squareRoot() / root2 + eps)
                        }
                    }
                }
            }
        }
    }
}

/// Global gradient-norm clipping as torch.nn.utils.clip_grad_norm_: when the total L2 norm
/// exceeds `maxNorm`, scale by maxNorm / (norm + 1e-6). Returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ gradient: inout [Float], maxNorm: Float) -> Double {
    let norm = gradient.withUnsafeBufferPointer { lp_sum_squares($0.count, $0.baseAddress) }.squareRoot()
    let coefficient = Double(maxNorm) / (norm + 1e-6)
    if coefficient < 1 {
        gradient.withUnsafeMutableBufferPointer { lp_scale($0.count, Float(coefficient), $0.baseAddress) }
    }
    return norm
}
