import Foundation
import CKernels

/// Mean softmax cross-entropy over logits [N, classes] (log-sum-exp with the maximum taken out),
/// and accuracy with torch.argmax's tie rule (first maximum).
enum CrossEntropy {
    /// Returns the mean loss and the number of correct predictions. When `dLogits` is given it
    /// receives d(weight * mean loss)/d logits = weight * (softmax - onehot) / N.
    static func evaluate(
        logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, n: Int, classes: Int,
        weight: Float = 1, dLogits: UnsafeMutablePointer<Float>? = nil
    ) -> (loss: Double, correct: Int) {
        var correct: Int32 = 0
        let total = lp_softmax_cross_entropy(logits, labels, Int32(n), Int32(classes), weight / Float(n), dLogits, &correct)
        return (total / Double(n), Int(correct))
    }

    /// Clamps each image's own loss at `clip`: returns the mean of min(CE_i, clip) over the n
    /// images and zeroes the rows of `dLogits` (seeded by `evaluate`) of the images above it,
    /// whose clamped loss no longer depends on the logits.
    static func clampEach(
        logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, n: Int, classes: Int, clip: Float,
        dLogits: UnsafeMutablePointer<Float>?
    ) -> Double {
        var total = 0.0
        for i in 0..<n {
            let row = logits + i * classes  // [classes]
            var top = row[0]
            for j in 1..<classes { top = max(top, row[j]) }
            var sum = 0.0
            for j in 0..<classes { sum += exp(Double(row[j] - top)) }
            let loss = log(sum) + Double(top - row[Int(labels[i])])
            if loss > Double(clip) {
                dLogits.map { ($0 + i * classes).update(repeating: 0, count: classes) }
                total += Double(clip)
            } else {
                total += loss
            }
        }
        return total / Double(n)
    }
}
