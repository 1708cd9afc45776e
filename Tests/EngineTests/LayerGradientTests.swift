import XCTest
@testable import Engine

/// Every layer's backward against finite differences of its forward (GradientCheck), w.r.t. its
/// weights and its input, for f = sum(r * y).
final class LayerGradientTests: XCTestCase {
    func conv(c: Int, f: Int, h: Int, w: Int, n: Int, _ epilogue: Conv2D.Epilogue, seed: UInt64 = 1, chunk: Int? = nil)
        -> (Conv2D, LayerHarness, x: [Float], weights: [Float]) {
        let layer = Conv2D(inChannels: c, outChannels: f, height: h, width: w, weightOffset: 0, biasOffset: f * c * 9, epilogue: epilogue, capacity: n, chunk: chunk)
        var rng = Xoshiro256(seed: seed)
        let weights = rng.floats(f * c * 9 + f, -0.5, 0.5)
        let x = rng.floats(c * n * h * w)
        return (layer, LayerHarness(layer: layer, n: n, inputCount: x.count, parameterCount: weights.count), x, weights)
    }

    static let epilogues: [Conv2D.Epilogue] = [.bias, .biasReLU, .biasReLUMaxPool]

    func testConv2D() {
        for epilogue in Self.epilogues {
            for (h, w) in [(5, 6), (5, 7)] {  // odd sides: the fused max-pool floors
                let (layer, harness, x, weights) = conv(c: 2, f: 3, h: h, w: w, n: 2, epilogue)
                let weightBlock = 0..<(3 * 2 * 9), biasBlock = weightBlock.upperBound..<weights.count
                harness.check(
                    x: x, weights: weights, blocks: [weightBlock, biasBlock], epsilon: 1e-2,
                    kinks: { x, w, y in convKinks(layer, n: 2, x: x, weights: w, y: y) }, "conv \(epilogue) \(h)x\(w)")
                XCTAssertEqual(layer.chunk, 2)
            }
        }
    }

    /// More images than one chunk of the patch workspace, with a short last chunk. Many input
    /// channels on a small grid: a long patch (K = 1152) makes a chunk small while keeping the
    /// outputs few, so that directions without ReLU/max-pool kinks are easy to find.
    func testConv2DAcrossChunks() {
        let (c, f, h, w, n) = (128, 2, 6, 7, 7)
        for epilogue in Self.epilogues {
            let (layer, harness, x, weights) = conv(c: c, f: f, h: h, w: w, n: n, epilogue, seed: 2, chunk: 3)
            XCTAssertGreaterThan(layer.chunk, 1)
            XCTAssertLessThan(layer.chunk, n)
            XCTAssertNotEqual(n % layer.chunk, 0, "want a short last chunk")
            harness.check(
                x: x, weights: weights, blocks: [0..<(f * c * 9), (f * c * 9)..<weights.count],
                // One channel of every image at a time: each block spans all the chunks.
                inputBlocks: [0, 64, 127].map { ($0 * n * h * w)..<(($0 + 1) * n * h * w) }, epsilon: 0.2,
                kinks: { x, w, y in convKinks(layer, n: n, x: x, weights: w, y: y) }, "conv chunked \(epilogue)")
        }
    }

    /// The first layer gets no dx; its parameter gradient must not change.
    func testConv2DWithoutInputGradient() {
        for epilogue in Self.epilogues {
            let (layer, harness, x, weights) = conv(c: 3, f: 4, h: 6, w: 5, n: 3, epilogue)
            var rng = Xoshiro256(seed: 3)
            let dy = rng.floats(3 * layer.outputSize)
            let with = harness.backward(x: x, weights: weights, dy: dy).dw
            let without = harness.backward(x: x, weights: weights, dy: dy, wantDX: false).dw
            XCTAssertEqual(with, without, "\(epilogue)")
        }
    }

    func batchNorm(c: Int, n: Int, hw: Int, relu: Bool) -> (LayerHarness, x: [Float], weights: [Float]) {
        let layer = BatchNorm(channels: c, hw: hw, scaleOffset: 0, shiftOffset: c, relu: relu)
        var rng = Xoshiro256(seed: 4)
        // Channels with different means and spreads, and a stored scale away from 0 so that
        // gamma = stored + 1 is exercised.
        var x = rng.floats(c * n * hw)
        for ch in 0..<c { for i in 0..<(n * hw) { x[ch * n * hw + i] = x[ch * n * hw + i] * Float(ch + 1) + Float(ch) - 1 } }
        let weights = rng.floats(c, -0.5, 0.5) + rng.floats(c, -0.5, 0.5)
        return (LayerHarness(layer: layer, n: n, inputCount: x.count, parameterCount: 2 * c), x, weights)
    }

    /// Batch statistics couple every image of a channel, so dx is checked over the whole batch.
    func testBatchNorm() {
        for relu in [false, true] {
            let (harness, x, weights) = batchNorm(c: 3, n: 3, hw: 20, relu: relu)
            harness.check(
                x: x, weights: weights, blocks: [0..<3, 3..<6], epsilon: 1e-2,
                kinks: relu ? { _, _, y in reluPattern(y) } : nil, "batchnorm relu=\(relu)")
        }
    }

    /// With running statistics BatchNorm is a per-channel affine map of each value: the same
    /// finite-difference check, the statistics held fixed.
    func testBatchNormWithRunningStatistics() {
        for relu in [false, true] {
            let (harness, x, weights) = batchNorm(c: 3, n: 3, hw: 20, relu: relu)
            var rng = Xoshiro256(seed: 6)
            let running = rng.floats(3, -1, 1) + rng.floats(3, 0.2, 4)
            let layer = harness.layer as! BatchNorm
            running.withUnsafeBufferPointer { r in
                layer.running = r.baseAddress!
                harness.check(
                    x: x, weights: weights, blocks: [0..<3, 3..<6], epsilon: 1e-2,
                    kinks: relu ? { _, _, y in reluPattern(y) } : nil, "batchnorm running relu=\(relu)")
                layer.running = nil
            }
        }
    }

    func testBatchNormWithoutInputGradient() {
        let (harness, x, weights) = batchNorm(c: 2, n: 2, hw: 9, relu: true)
        var rng = Xoshiro256(seed: 5)
        let dy = rng.floats(2 * 2 * 9)
        let with = harness.backward(x: x, weights: weights, dy: dy).dw
        let without = harness.backward(x: x, weights: weights, dy: dy, wantDX: false).dw
        for (a, b) in zip(with, without) { XCTAssertEqual(a, b, accuracy: 1e-6 * max(1, abs(a))) }
    }

    func testMaxPool2() {
        for (h, w) in [(4, 6), (5, 7), (7, 3)] {
            let (c, n) = (2, 3)
            let layer = MaxPool2(channels: c, height: h, width: w, capacity: n)
            var rng = Xoshiro256(seed: UInt64(h * 10 + w))
            let x = rng.floats(c * n * h * w)
            let harness = LayerHarness(layer: layer, n: n, inputCount: x.count, parameterCount: 0)
            harness.check(
                x: x, weights: [], epsilon: 1e-2,
                kinks: { x, _, _ in Reference.maxPoolWinners(x, planes: c * n, h: h, w: w).hashValue }, "maxpool \(h)x\(w)")
        }
    }

    func testAdaptiveAvgPool() {
        // Shrinking with overlapping windows, growing (repeated inputs), identity, non-square.
        for (h, w, k) in [(7, 7, 4), (14, 14, 4), (3, 3, 4), (4, 4, 4), (5, 9, 4), (1, 1, 4), (6, 2, 3)] {
            let (c, n) = (2, 2)
            let layer = AdaptiveAvgPool(channels: c, height: h, width: w, side: k)
            var rng = Xoshiro256(seed: UInt64(h * 100 + w))
            let x = rng.floats(c * n * h * w)
            LayerHarness(layer: layer, n: n, inputCount: x.count, parameterCount: 0)
                .check(x: x, weights: [], "adaptive pool + flatten \(h)x\(w) -> \(k)")
        }
    }

    func testLinear() {
        for relu in [false, true] {
            let (inputs, outputs, n) = (7, 5, 3)
            let layer = Linear(inputs: inputs, outputs: outputs, weightOffset: 0, biasOffset: inputs * outputs, relu: relu)
            var rng = Xoshiro256(seed: 9)
            let weights = rng.floats(inputs * outputs + outputs, -0.5, 0.5)
            let x = rng.floats(n * inputs)
            LayerHarness(layer: layer, n: n, inputCount: x.count, parameterCount: weights.count).check(
                x: x, weights: weights, blocks: [0..<(inputs * outputs), (inputs * outputs)..<weights.count],
                kinks: relu ? { _, _, y in reluPattern(y) } : nil, "linear relu=\(relu)")
        }
    }

    func testLinearWithoutInputGradient() {
        let layer = Linear(inputs: 6, outputs: 4, weightOffset: 2, biasOffset: 30, relu: true)
        var rng = Xoshiro256(seed: 10)
        let weights = rng.floats(34, -0.5, 0.5)
        let x = rng.floats(2 * 6)
        let harness = LayerHarness(layer: layer, n: 2, inputCount: 12, parameterCount: 34)
        let dy = rng.floats(8)
        let with = harness.backward(x: x, weights: weights, dy: dy).dw
        XCTAssertEqual(with, harness.backward(x: x, weights: weights, dy: dy, wantDX: false).dw)
        // Offsets are honoured: nothing outside [2, 26) and [30, 34) moves.
        XCTAssertEqual(Array(with[0..<2]) + Array(with[26..<30]), [0, 0, 0, 0, 0, 0])
    }

    /// Mean cross-entropy w.r.t. the logits; dLogits carries the weight.
    func testCrossEntropy() {
        let (n, classes) = (4, 10)
        var rng = Xoshiro256(seed: 11)
        let logits = rng.floats(n * classes, -3, 3)
        let labels = (0..<n).map { _ in Int32(rng.below(classes)) }
        func evaluate(_ l: [Float], weight: Float) -> (loss: Double, d: [Float]) {
            var d = [Float](repeating: .nan, count: l.count)
            let loss = l.withUnsafeBufferPointer { lp in
                labels.withUnsafeBufferPointer { yp in
                    d.withUnsafeMutableBufferPointer {
                        CrossEntropy.evaluate(logits: lp.baseAddress!, labels: yp.baseAddress!, n: n, classes: classes, weight: weight, dLogits: $0.baseAddress!).loss
                    }
                }
            }
            return (loss, d)
        }
        let d = evaluate(logits, weight: 1).d
        gradientCheck(at: logits, gradient: d, "cross-entropy") { evaluate($0, weight: 1).loss }
        let weighted = evaluate(logits, weight: -0.25).d
        for (a, b) in zip(weighted, d) { XCTAssertEqual(a, -0.25 * b, accuracy: 1e-7) }
    }
}
