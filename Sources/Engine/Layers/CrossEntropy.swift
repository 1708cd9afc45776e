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
}
