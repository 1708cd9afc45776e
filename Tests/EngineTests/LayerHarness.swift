import XCTest
@testable import Engine

/// Runs one layer on plain arrays, the way `Network` does on its buffers, for the layer tests.
/// Shapes follow Layer.swift: conv-stack tensors [C, N, H, W], dense ones [N, features].
struct LayerHarness {
    let layer: Layer
    let n: Int
    let inputCount: Int
    let parameterCount: Int

    func forward(x: [Float], weights: [Float]) -> [Float] {
        precondition(x.count == inputCount && weights.count == parameterCount)
        var y = [Float](repeating: .nan, count: n * layer.outputSize)
        let w = weights.isEmpty ? [0] : weights
        x.withUnsafeBufferPointer { x in
            w.withUnsafeBufferPointer { w in
                y.withUnsafeMutableBufferPointer { y in
                    layer.forward(x: x.baseAddress!, y: y.baseAddress!, n: n, weights: w.baseAddress!)
                }
            }
        }
        return y
    }

    /// Forward, then backward with `dy`. dx starts as NaN (the layer must overwrite all of it);
    /// the parameter gradient starts at `prefill` and is returned minus it (the layer must add).
    func backward(x: [Float], weights: [Float], dy: [Float], prefill: [Float]? = nil, wantDX: Bool = true)
        -> (dx: [Float], dw: [Float]) {
        let y = forward(x: x, weights: weights)
        precondition(dy.count == y.count)
        var dyCopy = dy
        var dx = [Float](repeating: .nan, count: inputCount)
        let start = prefill ?? [Float](repeating: 0, count: parameterCount)
        var gradient = parameterCount == 0 ? [0] : start
        let w = weights.isEmpty ? [0] : weights
        x.withUnsafeBufferPointer { x in
            w.withUnsafeBufferPointer { w in
                y.withUnsafeBufferPointer { y in
                    dyCopy.withUnsafeMutableBufferPointer { dy in
                        dx.withUnsafeMutableBufferPointer { dx in
                            gradient.withUnsafeMutableBufferPointer { g in
                                layer.backward(
                                    x: x.baseAddress!, y: y.baseAddress!, dy: dy.baseAddress!,
                                    dx: wantDX ? dx.baseAddress! : nil, n: n, weights: w.baseAddress!,
                                    gradient: g.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
        let dw = parameterCount == 0 ? [] : zip(gradient, start).map { $0 - $1 }
        return (dx, dw)
    }

    /// f = sum(r * y) in Double.
    func objective(x: [Float], weights: [Float], r: [Float]) -> Double {
        zip(forward(x: x, weights: weights), r).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    /// Checks the layer's gradients w.r.t. its weights (directions per block) and its input,
    /// for f = sum(r * y) with a random r; analytic gradients from backward with dy = r.
    /// `kinks(x, w, y)` hashes the activation pattern (see GradientCheck).
    func check(
        x: [Float], weights: [Float], blocks: [Range<Int>] = [], inputBlocks: [Range<Int>]? = nil, epsilon: Double = 1e-2,
        tolerance: Double = 5e-3, maxShrinks: Int = 6, seed: UInt64 = 7, kinks: (([Float], [Float], [Float]) -> Int)? = nil,
        _ what: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        var rng = Xoshiro256(seed: seed)
        let r = rng.floats(n * layer.outputSize)
        let prefill = rng.floats(parameterCount, -3, 3)
        let (dx, dw) = backward(x: x, weights: weights, dy: r, prefill: prefill)
        let check = GradientCheck(epsilon: epsilon, tolerance: tolerance, maxShrinks: maxShrinks, seed: seed)
        if parameterCount > 0 {
            check.assert(
                at: weights, gradient: dw, blocks: blocks.isEmpty ? nil : blocks,
                signature: kinks.map { k in { w in k(x, w, forward(x: x, weights: w)) } },
                "\(what) d/dweights", file: file, line: line
            ) { w in objective(x: x, weights: w, r: r) }
        }
        var inputCheck = check
        inputCheck.randomDirections = 5
        inputCheck.assert(
            at: x, gradient: dx, blocks: inputBlocks, signature: kinks.map { k in { x in k(x, weights, forward(x: x, weights: weights)) } },
            "\(what) d/dx", file: file, line: line
        ) { x in objective(x: x, weights: weights, r: r) }
    }
}

/// Hash of which outputs a ReLU lets through.
func reluPattern(_ y: [Float]) -> Int {
    var h = Hasher()
    for v in y { h.combine(v > 0) }
    return h.finalize()
}

/// Largest |a - b| relative to the largest |b| (at least 1e-6).
func relativeError(_ a: [Float], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "\(a.count) vs \(b.count)")
    let scale = max(b.map(abs).max() ?? 0, 1e-6)
    var worst = 0.0
    for (x, y) in zip(a, b) {
        let e = abs(Double(x) - y)
        worst = max(worst, e.isNaN ? .infinity : e)
    }
    return worst / scale
}

/// The kinks of a convolution's epilogue: ReLU on/off, and for the fused max-pool the winners of
/// the raw convolution (from a twin layer without epilogue).
func convKinks(_ conv: Conv2D, n: Int, x: [Float], weights: [Float], y: [Float]) -> Int {
    switch conv.epilogue {
    case .bias:
        return 0
    case .biasReLU:
        return reluPattern(y)
    case .biasReLUMaxPool:
        let twin = Conv2D(
            inChannels: conv.inChannels, outChannels: conv.outChannels, height: conv.height, width: conv.width,
            weightOffset: conv.weightOffset, biasOffset: conv.biasOffset, epilogue: .bias, capacity: n)
        let raw = LayerHarness(layer: twin, n: n, inputCount: x.count, parameterCount: weights.count).forward(x: x, weights: weights)
        var hasher = Hasher()
        hasher.combine(Reference.maxPoolWinners(raw, planes: conv.outChannels * n, h: conv.height, w: conv.width))
        hasher.combine(reluPattern(y))
        return hasher.finalize()
    }
}
