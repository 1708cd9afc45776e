extension ParameterLayout {
    /// Each tensor as its layer declares it (`ParameterTensor.Initialization`), drawn in order
    /// from `rng`: PyTorch's default initialisation, as the original code uses (Conv2d and Linear
    /// uniform(±1/sqrt(fan_in)); BatchNorm's stored scale, gamma - 1, and its shift 0).
    public func initialWeights(using rng: inout Xoshiro256) -> [Float] {
        var w = [Float](repeating: 0, count: count)
        for e in entries {
            switch e.initialization {
            case .zeros:
                continue
            case let .uniform(fanIn):
                let bound = 1 / Float(fanIn).squareRoot()
                for i in e.range { w[i] = rng.uniform(-bound, bound) }
            }
        }
        return w
    }
}
