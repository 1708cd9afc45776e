extension ModelSpec {
    /// Floating-point operations (multiply and add counted separately) of the multiply-accumulate
    /// layers for one image: convolutions and linears. Pooling, ReLU and BN are not counted.
    public var forwardFLOPs: Double {
        var total = 0.0
        var h = inputShape[1], w = inputShape[2]
        for (cin, cout) in zip(convChannels, convChannels.dropFirst()) {
            total += 2 * Double(cout * cin * 9 * h * w)
            if maxPool { h /= 2; w /= 2 }
        }
        let sizes = dense + [classes]
        for (a, b) in zip(sizes, sizes.dropFirst()) { total += 2 * Double(a * b) }
        return total
    }

    /// Forward plus backward for one image: the backward pass costs two forwards (input and weight
    /// gradients) except that the first convolution needs no input gradient.
    public var trainingFLOPs: Double {
        let first = 2 * Double(convChannels[1] * convChannels[0] * 9 * inputShape[1] * inputShape[2])
        return 3 * forwardFLOPs - first
    }
}
