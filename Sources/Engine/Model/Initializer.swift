extension ParameterLayout {
    /// PyTorch's default initialisation, as the original code uses: Conv2d and Linear weights
    /// Kaiming-uniform with a = sqrt(5), i.e. uniform(+-1/sqrt(fan_in)), and biases
    /// uniform(+-1/sqrt(fan_in)); BatchNorm's stored scale (gamma - 1) and shift are 0.
    public func initialWeights(using rng: inout Xoshiro256) -> [Float] {
        var w = [Float](repeating: 0, count: count)
        for e in entries {
            switch e.kind {
            case .bnScale, .bnShift:
                continue
            case .convWeight, .convBias, .linearWeight, .linearBias:
                let bound = 1 / Float(e.fanIn).squareRoot()
                for i in e.range { w[i] = rng.uniform(-bound, bound) }
            }
        }
        return w
    }
}
