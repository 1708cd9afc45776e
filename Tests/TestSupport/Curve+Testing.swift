import Engine
import MPO

extension Curve {
    /// A Bezier curve between two freshly initialised `net`s (seeds 1 and 2) whose θ sits off the
    /// segment by `bend` times a third initialisation (seed 9), so its plane has a second direction.
    public static func bent(net: ModelSpec = .small, bend: Float) -> Curve {
        func initial(_ seed: UInt64) -> [Float] {
            var rng = Xoshiro256(seed: seed)
            return ParameterLayout(net).initialWeights(using: &rng)
        }
        var curve = Curve(kind: .bezier, from: initial(1), to: initial(2))
        curve.theta = zip(curve.theta, initial(9)).map { $0 + bend * $1 }
        return curve
    }
}
