import XCTest
@testable import Engine

/// Each layer's forward values against the plain Double definitions in ReferenceLayers.swift.
final class LayerForwardTests: XCTestCase {
    func testConv2D() {
        for (c, f, h, w, n) in [(2, 3, 5, 6, 2), (3, 4, 2, 7, 2), (3, 2, 7, 1, 3), (3, 2, 7, 5, 3), (32, 2, 12, 20, 5)] {
            checkConv2D(c: c, f: f, h: h, w: w, n: n)
        }
    }

    /// A one-row image (a 1 x W input without max-pool makes every conv run on one row).
    func testConv2DOnOneRow() throws {
        checkConv2D(c: 3, f: 4, h: 1, w: 7, n: 2)
        checkConv2D(c: 2, f: 2, h: 1, w: 1, n: 2)
    }

    func checkConv2D(c: Int, f: Int, h: Int, w: Int, n: Int, file: StaticString = #filePath, line: UInt = #line) {
        for epilogue in LayerGradientTests.epilogues where epilogue != .biasReLUMaxPool || (h >= 2 && w >= 2) {
            let layer = Conv2D(
                inChannels: c, outChannels: f, height: h, width: w, weightOffset: 3, biasOffset: 3 + f * c * 9,
                epilogue: epilogue, capacity: n)
            var rng = Xoshiro256(seed: 20)
            let weights = rng.floats(3 + f * c * 9 + f)
            let x = rng.floats(c * n * h * w)
            let y = LayerHarness(layer: layer, n: n, inputCount: x.count, parameterCount: weights.count).forward(x: x, weights: weights)
            var want = Reference.conv(
                x, c: c, n: n, h: h, w: w, f: f, weight: Array(weights[3..<(3 + f * c * 9)]),
                bias: Array(weights[(3 + f * c * 9)...]), relu: epilogue != .bias)
            if epilogue == .biasReLUMaxPool { want = Reference.maxPool(want.map(Float.init), planes: f * n, h: h, w: w) }
            XCTAssertEqual(layer.outputSize * n, want.count, file: file, line: line)
            XCTAssertLessThan(relativeError(y, want), 1e-5, "conv \(c)->\(f) \(h)x\(w) n=\(n) \(epilogue)", file: file, line: line)
        }
    }

    func testBatchNormUsesBatchStatistics() {
        let (c, n, hw) = (3, 4, 6)
        var rng = Xoshiro256(seed: 21)
        let x = rng.floats(c * n * hw, -2, 5)
        let weights = rng.floats(2 * c)
        for relu in [false, true] {
            let layer = BatchNorm(channels: c, hw: hw, scaleOffset: 0, shiftOffset: c, relu: relu)
            let y = LayerHarness(layer: layer, n: n, inputCount: x.count, parameterCount: 2 * c).forward(x: x, weights: weights)
            let want = Reference.batchNorm(x, c: c, run: n * hw, storedScale: Array(weights[0..<c]), shift: Array(weights[c...]), relu: relu)
            XCTAssertLessThan(relativeError(y, want), 1e-5)
        }
        // With the stored scale and shift at their initial 0, every channel comes out with mean 0
        // and (biased) variance 1/(1 + eps/var) over the whole batch.
        let layer = BatchNorm(channels: c, hw: hw, scaleOffset: 0, shiftOffset: c, relu: false)
        let y = LayerHarness(layer: layer, n: n, inputCount: x.count, parameterCount: 2 * c).forward(x: x, weights: .init(repeating: 0, count: 2 * c))
        for ch in 0..<c {
            let values = y[(ch * n * hw)..<((ch + 1) * n * hw)].map(Double.init)
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            XCTAssertEqual(mean, 0, accuracy: 1e-6)
            XCTAssertEqual(variance, 1, accuracy: 1e-4)
        }
    }

    /// With running statistics each image is normalised on its own, as PyTorch's eval mode does:
    /// the batch's own mean and spread play no part.
    func testBatchNormWithRunningStatistics() {
        let (c, n, hw) = (3, 4, 6)
        var rng = Xoshiro256(seed: 23)
        let x = rng.floats(c * n * hw, -2, 5)
        let weights = rng.floats(2 * c)
        let running = rng.floats(c, -1, 1) + rng.floats(c, 0.1, 3)
        for relu in [false, true] {
            let layer = BatchNorm(channels: c, hw: hw, scaleOffset: 0, shiftOffset: c, relu: relu)
            let harness = LayerHarness(layer: layer, n: n, inputCount: x.count, parameterCount: 2 * c)
            let y = running.withUnsafeBufferPointer { r in
                layer.running = r.baseAddress!
                return harness.forward(x: x, weights: weights)
            }
            let want = Reference.batchNorm(x, c: c, run: n * hw, storedScale: Array(weights[0..<c]), shift: Array(weights[c...]), running: running, relu: relu)
            XCTAssertLessThan(relativeError(y, want), 1e-6, "relu \(relu)")
            // One image alone comes out as it did in the batch.
            let one = (0..<c).flatMap { ch in x[(ch * n * hw)..<(ch * n * hw + hw)] }
            let alone = running.withUnsafeBufferPointer { r in
                layer.running = r.baseAddress!
                return LayerHarness(layer: layer, n: 1, inputCount: one.count, parameterCount: 2 * c).forward(x: one, weights: weights)
            }
            XCTAssertEqual(alone, (0..<c).flatMap { ch in y[(ch * n * hw)..<(ch * n * hw + hw)] })
        }
    }

    /// What a batch pass hands to running statistics: the mean and the unbiased variance
    /// (PyTorch's running_var), over N·H·W values per channel.
    func testBatchNormReportsMeanAndUnbiasedVariance() {
        let (c, n, hw) = (3, 5, 7)
        var rng = Xoshiro256(seed: 24)
        var x = rng.floats(c * n * hw, -2, 5)
        for i in 0..<(n * hw) { x[2 * n * hw + i] = x[2 * n * hw + i] * 1e-3 + 7 }  // a narrow channel far from 0
        let layer = BatchNorm(channels: c, hw: hw, scaleOffset: 0, shiftOffset: c, relu: true)
        _ = LayerHarness(layer: layer, n: n, inputCount: x.count, parameterCount: 2 * c).forward(x: x, weights: rng.floats(2 * c))
        var s = [Float](repeating: .nan, count: 2 * c)
        s.withUnsafeMutableBufferPointer { layer.batchStatistics(into: $0.baseAddress!) }
        for ch in 0..<c {
            let values = x[(ch * n * hw)..<((ch + 1) * n * hw)].map(Double.init)
            let mean = values.reduce(0, +) / Double(values.count)
            let unbiased = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
            XCTAssertEqual(Double(s[ch]), mean, accuracy: 1e-6 * max(1, abs(mean)))
            // Recovered from 1/sqrt(var + eps): about 1e-7 of var + eps.
            XCTAssertEqual(Double(s[c + ch]), unbiased, accuracy: 1e-6 * (unbiased + 1e-5), "channel \(ch)")
        }
    }

    func testMaxPool2Floors() {
        for (h, w) in [(4, 6), (5, 7), (3, 3), (2, 9)] {
            let planes = 6
            let layer = MaxPool2(channels: 2, height: h, width: w, capacity: 3)
            XCTAssertEqual(layer.outputSize, 2 * (h / 2) * (w / 2))
            var rng = Xoshiro256(seed: 22)
            var x = rng.floats(planes * h * w)
            // The dropped last row / column holds the largest values: they must not win.
            for p in 0..<planes {
                if h % 2 == 1 { for j in 0..<w { x[p * h * w + (h - 1) * w + j] = 100 } }
                if w % 2 == 1 { for i in 0..<h { x[p * h * w + i * w + w - 1] = 100 } }
            }
            let y = LayerHarness(layer: layer, n: 3, inputCount: x.count, parameterCount: 0).forward(x: x, weights: [])
            XCTAssertLessThan(relativeError(y, Reference.maxPool(x, planes: planes, h: h, w: w)), 1e-7, "\(h)x\(w)")
            XCTAssertFalse(y.contains(100))
        }
    }

    /// Pooled windows, handed over in PyTorch's flatten order: x[C, N, H, W] -> y[N, C*k*k].
    func testAdaptiveAvgPoolWindowsAndFlattenOrder() {
        for (h, w, k) in [(7, 7, 4), (14, 14, 4), (3, 3, 4), (4, 4, 4), (5, 9, 4), (1, 1, 4), (28, 28, 4), (6, 2, 3)] {
            let (c, n) = (3, 2)
            let layer = AdaptiveAvgPool(channels: c, height: h, width: w, side: k)
            XCTAssertEqual(layer.outputSize, c * k * k)
            var rng = Xoshiro256(seed: 23)
            let x = rng.floats(c * n * h * w)
            let y = LayerHarness(layer: layer, n: n, inputCount: x.count, parameterCount: 0).forward(x: x, weights: [])
            let pooled = Reference.adaptiveAvgPool(x, planes: c * n, h: h, w: w, k: k)  // [C, N, k*k]
            var want = [Double](repeating: 0, count: pooled.count)
            for ci in 0..<c { for b in 0..<n { for s in 0..<(k * k) { want[(b * c + ci) * k * k + s] = pooled[(ci * n + b) * k * k + s] } } }
            XCTAssertLessThan(relativeError(y, want), 1e-6, "\(h)x\(w) -> \(k)")
        }
        // 3 -> 4 by hand: windows [0,1) [0,2) [1,3) [2,3) along each axis.
        let x: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        let y = LayerHarness(layer: AdaptiveAvgPool(channels: 1, height: 3, width: 3, side: 4), n: 1, inputCount: 9, parameterCount: 0)
            .forward(x: x, weights: [])
        XCTAssertEqual(Array(y[0..<4]), [1, 1.5, 2.5, 3])
        XCTAssertEqual(Array(y[4..<8]), [2.5, 3, 4, 4.5])
        // 2 channels x 2 images of 1x1 -> 2x2 copies, image-major: y[n] = [c0 x4, c1 x4].
        let z = LayerHarness(layer: AdaptiveAvgPool(channels: 2, height: 1, width: 1, side: 2), n: 2, inputCount: 4, parameterCount: 0)
            .forward(x: [10, 11, 20, 21], weights: [])  // x[c, n]
        XCTAssertEqual(z, [10, 10, 10, 10, 20, 20, 20, 20, 11, 11, 11, 11, 21, 21, 21, 21])
    }

    func testLinear() {
        for relu in [false, true] {
            let (inputs, outputs, n) = (9, 6, 4)
            let layer = Linear(inputs: inputs, outputs: outputs, weightOffset: 1, biasOffset: 1 + inputs * outputs, relu: relu)
            var rng = Xoshiro256(seed: 24)
            let weights = rng.floats(1 + inputs * outputs + outputs)
            let x = rng.floats(n * inputs)
            let y = LayerHarness(layer: layer, n: n, inputCount: x.count, parameterCount: weights.count).forward(x: x, weights: weights)
            let want = Reference.linear(
                x, n: n, inputs: inputs, outputs: outputs, weight: Array(weights[1..<(1 + inputs * outputs)]),
                bias: Array(weights[(1 + inputs * outputs)...]), relu: relu)
            XCTAssertLessThan(relativeError(y, want), 1e-6)
        }
    }

    func testCrossEntropyValueAndAccuracy() {
        let classes = 4
        // Large logits (log-sum-exp must not overflow), a tie (first maximum counts), a miss.
        let logits: [Float] = [1000, 990, 0, -5, /**/ 2, 7, 7, 1, /**/ 0.5, -0.5, 3, 0, /**/ 0, 0, 0, 0]
        let labels: [Int32] = [0, 2, 3, 3]
        let (loss, correct) = logits.withUnsafeBufferPointer { l in
            labels.withUnsafeBufferPointer { CrossEntropy.evaluate(logits: l.baseAddress!, labels: $0.baseAddress!, n: 4, classes: classes) }
        }
        let perImage = Reference.crossEntropy(logits, labels: labels, classes: classes)
        XCTAssertEqual(loss, perImage.reduce(0, +) / 4, accuracy: 1e-9)
        XCTAssertEqual(perImage[3], Foundation.log(4), accuracy: 1e-12)
        XCTAssertTrue(loss.isFinite)
        // Image 0 right; image 1 ties between 1 and 2, argmax picks 1 (wrong); image 2 wrong;
        // image 3 all equal, argmax 0 (wrong).
        XCTAssertEqual(correct, 1)
    }
}
