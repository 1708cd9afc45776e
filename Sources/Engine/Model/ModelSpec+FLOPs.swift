extension ModelSpec {
    /// Floating-point operations (multiply and add counted separately) of the multiply-accumulate
    /// layers for one image: convolutions and linears. Pooling, ReLU and BN are not counted.
    public var forwardFLOPs: Double { LayerPlan(self).forwardFLOPs }

    /// Forward plus backward for one image: the backward pass costs two forwards (input and weight
    /// gradients) except that the first convolution needs no input gradient.
    public var trainingFLOPs: Double {
        let plan = LayerPlan(self)
        return 3 * plan.forwardFLOPs - plan.steps[0].forwardFLOPs
    }
}
