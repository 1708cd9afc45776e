import Engine
import Foundation

/// A trained (or training) curve, saved as a plane of kind `curve` so that `mpo render`,
/// `mpo view` and the explorer open it as the plane through A, B, θ with the curve drawn on it
/// (`Curve.plane`), plus what the curve itself and `mpo curve --resume` need:
///   tensors  the direction plane's (origin, direction_1, direction_2, trajectory, ...);
///            curve.a, curve.b, curve.theta [P] F32 (exact, not rebuilt from the plane);
///            optimizer.m, optimizer.v [P] F32 (Adam on θ)
///   metadata the direction plane's (plane_kind `curve`, the net, dataset, markers A, B, θ, ...);
///            curve_kind (bezier | polychain), curve_points, lr, batch_size, gradient_clip,
///            seed, step, rng_state.
public struct CurveFile {
    public var net: ModelSpec
    public var curve: Curve
    public var settings: CurveTrainer.Settings
    public var adam: Adam
    public var rng: Xoshiro256
    /// The end files' names (for the plane's recipe).
    public var sources: [String]

    public init(net: ModelSpec, curve: Curve, settings: CurveTrainer.Settings, adam: Adam, rng: Xoshiro256, sources: [String]) {
        self.net = net
        self.curve = curve
        self.settings = settings
        self.adam = adam
        self.rng = rng
        self.sources = sources
    }

    public var step: Int { adam.step }
    public var state: CurveTrainer.State { .init(theta: curve.theta, adam: adam, rng: rng) }

    public var plane: DirectionPlane { curve.plane(net: net, dataset: settings.dataset, sources: sources) }

    public var file: Safetensors {
        var f = plane.file
        f.tensors["curve.a"] = .init(curve.a)
        f.tensors["curve.b"] = .init(curve.b)
        f.tensors["curve.theta"] = .init(curve.theta)
        f.tensors["optimizer.m"] = .init(adam.m)
        f.tensors["optimizer.v"] = .init(adam.v)
        f.metadata.merge([
            "curve_kind": curve.kind.rawValue, "curve_points": String(settings.points), "lr": String(settings.learningRate),
            "batch_size": String(settings.batchSize), "gradient_clip": String(settings.gradientClip),
            "seed": String(settings.seed), "step": String(adam.step),
            "rng_state": rng.words.map { String($0, radix: 16) }.joined(separator: ","),
        ]) { _, new in new }
        return f
    }

    /// Refuses NaN or infinity: a diverged run never replaces a good curve.
    public func write(to path: String) throws {
        guard curve.theta.allSatisfy(\.isFinite), adam.m.allSatisfy(\.isFinite), adam.v.allSatisfy(\.isFinite) else {
            throw DataError(path, "not saved: the curve or its optimiser state has non-finite values (training diverged)")
        }
        try file.write(to: path)
    }

    /// Whether a file's metadata says it is a curve (without reading further).
    public static func isCurve(_ file: Safetensors) -> Bool {
        file.metadata["format"] == Checkpoint.format && file.metadata["plane_kind"] == PlaneKind.curve.rawValue
    }

    public static func read(path: String) throws -> CurveFile {
        let file = try Safetensors.read(path: path)
        guard isCurve(file) else { throw DataError(path, "is not a curve (from mpo curve --save)") }
        // The plane's checks first: format version, the net and its parameter table, dataset.
        let plane = try DirectionPlane.read(file, path: path, expecting: nil)
        let m = file.metadata, p = plane.parameterCount
        func damaged(_ s: String) -> DataError { DataError(path, "damaged: \(s)") }
        func vector(_ name: String) throws -> [Float] {
            let t = try file.tensor(name, in: path)
            guard t.dtype == .f32, t.count == p else { throw damaged("tensor \(name) has \(t.count) \(t.dtype.rawValue) values, expected \(p) F32") }
            let values = t.floats()
            guard values.allSatisfy(\.isFinite) else { throw damaged("tensor \(name) holds NaN or infinity") }
            return values
        }
        guard let kind = m["curve_kind"].flatMap(Curve.Kind.init(rawValue:)) else { throw damaged("curve_kind missing or unknown") }
        var s = CurveTrainer.Settings()
        guard let points = m["curve_points"].flatMap(Int.init), (1...CurveTrainer.maxPoints).contains(points),
              let lr = m["lr"].flatMap(Float.init), lr.isFinite, lr > 0,
              let batch = m["batch_size"].flatMap(Int.init), (1...(1 << 14)).contains(batch),
              let clip = m["gradient_clip"].flatMap(Float.init), clip.isFinite, clip > 0,
              let seed = m["seed"].flatMap(UInt64.init), let step = m["step"].flatMap(Int.init), step >= 0 else {
            throw damaged("curve_points, lr, batch_size, gradient_clip, seed or step missing or out of range")
        }
        (s.points, s.learningRate, s.batchSize, s.gradientClip, s.seed, s.dataset) = (points, lr, batch, clip, seed, plane.dataset)
        let words = (m["rng_state"] ?? "").split(separator: ",").compactMap { UInt64($0, radix: 16) }
        guard words.count == 4 else { throw damaged("rng_state missing") }
        let curve = Curve(kind: kind, a: try vector("curve.a"), b: try vector("curve.b"), theta: try vector("curve.theta"))
        var adam = Adam(count: p, learningRate: lr)
        (adam.m, adam.v, adam.step) = (try vector("optimizer.m"), try vector("optimizer.v"), step)
        return CurveFile(net: plane.net, curve: curve, settings: s, adam: adam, rng: Xoshiro256(state: words), sources: plane.recipe.sources)
    }
}
