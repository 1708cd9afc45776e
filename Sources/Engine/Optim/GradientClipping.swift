import CKernels

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
