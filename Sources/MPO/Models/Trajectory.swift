import Engine

/// Snapshots of the weights during `mpo fit`: `trajectory` [T, P] F32 and `trajectory_steps` [T] I64.
public struct Trajectory {
    public var net: ModelSpec
    public var steps: [Int] = []
    /// [T * P]
    public var rows: [Float] = []

    public init(net: ModelSpec) { self.net = net }

    public var count: Int { steps.count }

    public mutating func append(step: Int, weights: [Float]) {
        steps.append(step)
        rows += weights
    }

    /// Drops snapshots taken after `step` (a resumed run retakes them).
    public mutating func truncate(after step: Int) {
        let keep = steps.prefix { $0 <= step }.count
        let p = ParameterLayout(net).count
        steps.removeSubrange(keep...)
        rows.removeSubrange((keep * p)...)
    }

    public func write(to path: String) throws {
        let p = ParameterLayout(net).count
        var meta = ModelFile.netMetadata(net)
        meta["format"] = "losspatterns-trajectory"
        try Safetensors(
            tensors: ["trajectory": .init(rows, shape: [count, p]), "trajectory_steps": .init(steps.map(Int64.init))],
            metadata: meta
        ).write(to: path)
    }

    public static func read(path: String, net: ModelSpec) throws -> Trajectory {
        let file = try Safetensors.read(path: path)
        let p = ParameterLayout(net).count
        let t = try file.tensor("trajectory", in: path), s = try file.tensor("trajectory_steps", in: path)
        guard t.dtype == .f32, t.shape.count == 2, t.shape[1] == p, s.shape == [t.shape[0]] else {
            throw DataError(path, "damaged: trajectory is \(t.shape), expected [T, \(p)] with T steps")
        }
        var out = Trajectory(net: net)
        out.rows = t.floats()
        out.steps = s.int64s().map { Int($0) }
        return out
    }
}
