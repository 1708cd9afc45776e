import XCTest
@testable import Engine

/// The per-image clamp of a bad cell (`Network.clampEach`) against the plain per-image path: its
/// value is the mean of min(CE_i, clip), each CE_i from a batch of that one image, and its gradient
/// is the sum of the per-image gradients of the images under the clip, over n.
final class ClampEachTests: XCTestCase {
    func testValueAndGradientAreThoseOfTheImagesUnderTheClip() throws {
        let spec = ModelSpec.tiny, n = 12
        let network = try Network(spec: spec, capacity: n)
        var rng = Xoshiro256(seed: 31)
        let weights = network.layout.initialWeights(using: &rng).map { $0 * 3 }  // spread out the losses
        let images = rng.floats(n * spec.inputSize, 0, 1)
        let labels = (0..<n).map { Int32($0 % spec.classes) }
        let single = try Network(spec: spec, capacity: 1)
        var each: [(loss: Double, gradient: [Float])] = []
        for i in 0..<n {
            var g = [Float](repeating: 0, count: weights.count)
            let image = Array(images[(i * spec.inputSize)..<((i + 1) * spec.inputSize)])
            let (loss, _) = single.lossAndGradient(images: image, labels: [labels[i]], weights: weights, gradient: &g)
            each.append((loss, g))
        }
        let sorted = each.map(\.loss).sorted()
        let clip = Float((sorted[n / 2 - 1] + sorted[n / 2]) / 2)  // half the images above it
        XCTAssertGreaterThan(sorted[n / 2] - sorted[n / 2 - 1], 1e-3, "the clip must not sit on an image's loss")

        var gradient = [Float](repeating: 0, count: weights.count)
        let value = images.withUnsafeBufferPointer { x in
            weights.withUnsafeBufferPointer { w in
                labels.withUnsafeBufferPointer { y in
                    network.forward(images: x.baseAddress!, count: n, weights: w.baseAddress!)
                    _ = network.crossEntropy(labels: y.baseAddress!, gradientWeight: 1)
                    let value = network.clampEach(labels: y.baseAddress!, clip: clip)
                    gradient.withUnsafeMutableBufferPointer { network.backward(weights: w.baseAddress!, gradient: $0.baseAddress!) }
                    return value
                }
            }
        }
        let expected = each.map { min($0.loss, Double(clip)) }.reduce(0, +) / Double(n)
        XCTAssertEqual(value, expected, accuracy: 1e-5 * expected)

        var under = [Double](repeating: 0, count: weights.count)
        for e in each where e.loss < Double(clip) {
            for j in under.indices { under[j] += Double(e.gradient[j]) / Double(n) }
        }
        let norm = under.map { $0 * $0 }.reduce(0, +).squareRoot()
        let error = zip(gradient, under).map { (Double($0) - $1) * (Double($0) - $1) }.reduce(0, +).squareRoot()
        XCTAssertGreaterThan(norm, 0)
        XCTAssertLessThan(error / norm, 1e-4, "relative error of the clamped gradient")

        // With the clip above every image's loss nothing is clamped: the plain mean loss.
        let all = images.withUnsafeBufferPointer { x in
            weights.withUnsafeBufferPointer { w in
                labels.withUnsafeBufferPointer { y in
                    network.forward(images: x.baseAddress!, count: n, weights: w.baseAddress!)
                    let plain = network.crossEntropy(labels: y.baseAddress!, gradientWeight: 1).loss
                    return (plain, network.clampEach(labels: y.baseAddress!, clip: Float(sorted.last! + 1)))
                }
            }
        }
        XCTAssertEqual(all.1, all.0, accuracy: 1e-5 * all.0)
    }
}
