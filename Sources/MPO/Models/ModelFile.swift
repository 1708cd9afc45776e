import Engine
import Foundation

/// One trained network (`mpo fit`), with what resuming needs. Stored as safetensors:
///   tensors  one per parameter, named and shaped as PyTorch's `named_parameters()` of the
///            equivalent nn.Sequential (`0.weight` [8, 1, 3, 3], ...), F32 (a BatchNorm weight as
///            the engine stores it: gamma - 1); `optimizer.m`, `optimizer.v` [P] (Adam) or
///            `optimizer.momentum` [P] (SGD); a BatchNorm net's buffers when it has them, as
///            PyTorch names them: `1.running_mean`, `1.running_var` [C] F32 and
///            `1.num_batches_tracked` [] I64 (files without them open, with no running statistics)
///   metadata format `losspatterns-model`, format_version, the net (`netMetadata`: its sizes,
///            its description and its parameter table), dataset, optimizer, lr, momentum,
///            batch_size, step, seed, rng_state.
/// `read` also opens a PyTorch state_dict (`TorchStateDict`).
public struct ModelFile: TrainingFile {
    public static let format = "losspatterns-model"
    public static let version = 1

    public struct Settings: Sendable, Equatable {
        public var optimizer: Optimizer.Kind = .adam
        public var learningRate: Float = 1e-3
        public var momentum: Float = 0.9
        public var batchSize = 128
        public var seed: UInt64 = 0
        public var dataset: DatasetKind = .fashionMNIST
        public init() {}
    }

    public var net: ModelSpec
    public var settings: Settings
    /// [P], in ParameterLayout order.
    public var weights: [Float]
    /// Adam: m and v; SGD: the momentum buffer in `m` (`v` empty).
    public var m: [Float], v: [Float]
    public var step: Int
    public var rng: Xoshiro256
    /// BatchNorm's running statistics [S] (`StatisticsLayout`), nil when the model has none
    /// (no BatchNorm, or a file written before they were kept).
    public var statistics: [Float]?
    /// PyTorch's num_batches_tracked: the training batches folded into `statistics`.
    public var batchesTracked = 0

    public init(
        net: ModelSpec, settings: Settings, weights: [Float], m: [Float], v: [Float], step: Int, rng: Xoshiro256,
        statistics: [Float]? = nil, batchesTracked: Int = 0
    ) {
        precondition(statistics.map { $0.count == StatisticsLayout(net).count && !$0.isEmpty } ?? true)
        self.net = net
        self.settings = settings
        self.weights = weights
        self.m = m
        self.v = v
        self.step = step
        self.rng = rng
        self.statistics = statistics
        self.batchesTracked = batchesTracked
    }

    /// The net's keys in every file we write (models, trajectories, planes): its sizes as the
    /// parity fixtures spell them, its description (`net`, parsed back by `ModelSpec(parsing:)`)
    /// and its parameter table.
    static func netMetadata(_ net: ModelSpec) -> [String: String] {
        func list(_ v: [Int]) -> String { v.map(String.init).joined(separator: ",") }
        return [
            "conv_channels": list(net.convChannels), "dense": list(net.dense), "batch_norm": String(net.batchNorm),
            "max_pool": String(net.maxPool), "adaptive_pool": String(net.adaptivePool), "input_shape": list(net.inputShape),
            "classes": String(net.classes), "parameters": ParameterLayout(net).table, "net": net.text,
        ]
    }

    public var file: Safetensors {
        let layout = ParameterLayout(net)
        var tensors: [String: Safetensors.Tensor] = [:]
        for e in layout.entries { tensors[e.name] = .init(Array(weights[e.range]), shape: e.shape) }
        if let statistics {
            for e in StatisticsLayout(net).entries {
                tensors[e.meanName] = .init(Array(statistics[e.meanRange]))
                tensors[e.varianceName] = .init(Array(statistics[e.varianceRange]))
                tensors[e.countName] = .init([Int64(batchesTracked)], shape: [])
            }
        }
        switch settings.optimizer {
        case .adam:
            tensors["optimizer.m"] = .init(m)
            tensors["optimizer.v"] = .init(v)
        case .sgd:
            tensors["optimizer.momentum"] = .init(m)
        }
        var meta = Self.netMetadata(net)
        meta.merge([
            "format": Self.format, "format_version": String(Self.version),
            "dataset": settings.dataset.rawValue, "optimizer": settings.optimizer.rawValue,
            "lr": String(settings.learningRate), "momentum": String(settings.momentum), "batch_size": String(settings.batchSize),
            "step": String(step), "seed": String(settings.seed),
            "rng_state": rng.words.map { String($0, radix: 16) }.joined(separator: ","),
        ]) { a, _ in a }
        return Safetensors(tensors: tensors, metadata: meta)
    }

    /// Refuses NaN or infinity: a diverged run never replaces a good model.
    public func write(to path: String) throws {
        guard weights.allSatisfy(\.isFinite) else { throw DataError(path, "not saved: the weights have non-finite values (training diverged)") }
        guard m.allSatisfy(\.isFinite), v.allSatisfy(\.isFinite) else { throw DataError(path, "not saved: the optimiser state has non-finite values") }
        guard statistics?.allSatisfy(\.isFinite) ?? true else { throw DataError(path, "not saved: the BatchNorm running statistics have non-finite values") }
        try file.write(to: path)
    }

    /// A model of ours, or a PyTorch state_dict (`TorchStateDict`) of the net `net` gives or its
    /// metadata names. `net` must match what a file of ours says.
    public static func read(path: String, net given: ModelSpec? = nil) throws -> ModelFile {
        let file = try Safetensors.read(path: path)
        if TorchStateDict.isStateDict(file) { return try TorchStateDict.model(file, path: path, net: given) }
        let m = file.metadata
        func damaged(_ s: String) -> DataError { DataError(path, "damaged: \(s)") }
        guard m["format"] == format else {
            throw DataError(path, "not a LossPatterns model (format \(m["format"].map { "\"\(Safetensors.printable($0))\"" } ?? "missing"))")
        }
        guard let v = m["format_version"].flatMap(Int.init), v >= 1 else { throw damaged("format version missing") }
        guard v <= version else { throw DataError(path, "model format version \(v) is newer than this program understands (\(version))") }
        func ints(_ key: String) throws -> [Int] {
            let parts = (m[key] ?? "").split(separator: ",").map { Int($0) }
            guard !parts.isEmpty, let values = parts as? [Int], values.allSatisfy({ (1...Limits.denseSize).contains($0) }) else {
                throw damaged("\(key) missing or out of range")
            }
            return values
        }
        func int(_ key: String) throws -> Int {
            guard let s = m[key], let n = Int(s), n >= 0 else { throw damaged("\(key) missing or out of range") }
            return n
        }
        let conv = try ints("conv_channels"), dense = try ints("dense"), shape = try ints("input_shape")
        guard conv.count <= Limits.convLayers + 1, dense.count <= Limits.denseLayers, shape.count == 3 else {
            throw damaged("the net is larger than any this program makes")
        }
        let net = ModelSpec(
            inputShape: shape, convChannels: conv, dense: dense, batchNorm: m["batch_norm"] == "true",
            maxPool: m["max_pool"] != "false", adaptivePool: try int("adaptive_pool"), classes: try int("classes"))
        do { try net.validate() } catch { throw damaged("\(error)") }
        if let why = Limits.beyond(net) { throw damaged("the net is too large: \(why)") }
        let layout = ParameterLayout(net)
        guard m["parameters"] == layout.table else { throw damaged("its parameter table does not match its architecture") }
        if let given, given != net { throw DataError(path, "is a model of '\(net.text)', not of the net given ('\(given.text)')") }
        func vector(_ name: String, _ count: Int, shape: [Int]? = nil) throws -> [Float] {
            let t = try file.tensor(name, in: path)
            guard t.dtype == .f32, t.count == count, shape == nil || t.shape == shape! else {
                throw damaged("tensor \(name) has shape \(t.shape) \(t.dtype.rawValue), expected \(shape ?? [count]) F32")
            }
            let values = t.floats()
            guard values.allSatisfy(\.isFinite) else { throw damaged("tensor \(name) holds NaN or infinity") }
            return values
        }
        var weights = [Float]()
        weights.reserveCapacity(layout.count)
        for e in layout.entries { weights += try vector(e.name, e.count, shape: e.shape) }
        var settings = Settings()
        guard let optimizer = m["optimizer"].flatMap(Optimizer.Kind.init(rawValue:)) else { throw damaged("optimizer missing") }
        settings.optimizer = optimizer
        guard let lr = m["lr"].flatMap(Float.init), lr.isFinite, lr > 0,
              let momentum = m["momentum"].flatMap(Float.init), momentum.isFinite, momentum >= 0 else {
            throw damaged("lr or momentum is not a usable number")
        }
        settings.learningRate = lr
        settings.momentum = momentum
        settings.batchSize = try int("batch_size")
        guard (1...(1 << 14)).contains(settings.batchSize) else { throw damaged("batch_size out of range") }
        guard let seed = m["seed"].flatMap(UInt64.init) else { throw damaged("seed missing") }
        settings.seed = seed
        settings.dataset = m["dataset"].flatMap(DatasetKind.init(rawValue:)) ?? .fashionMNIST
        let step = try int("step")
        let words = (m["rng_state"] ?? "").split(separator: ",").compactMap { UInt64($0, radix: 16) }
        guard words.count == 4 else { throw damaged("rng_state missing") }
        let p = layout.count
        let (mm, vv) = optimizer == .adam ? (try vector("optimizer.m", p), try vector("optimizer.v", p)) : (try vector("optimizer.momentum", p), [])
        var model = ModelFile(net: net, settings: settings, weights: weights, m: mm, v: vv, step: step, rng: Xoshiro256(state: words))
        do {
            (model.statistics, model.batchesTracked) = try runningStatistics(file, net: net, names: StatisticsLayout(net).entries.map {
                (mean: $0.meanName, variance: $0.varianceName, count: $0.countName)
            }, path: path)
        } catch let e as DataError { throw damaged(e.problem) }
        return model
    }

    /// A BatchNorm net's running statistics [S] and num_batches_tracked from the tensors `names`
    /// gives per BatchNorm (in the net's order): all there, or none (nil); a count that is
    /// missing is 0. Variances must be at least 0 and everything finite.
    static func runningStatistics(
        _ file: Safetensors, net: ModelSpec, names: [(mean: String, variance: String, count: String)], path: String
    ) throws -> (statistics: [Float]?, batchesTracked: Int) {
        let layout = StatisticsLayout(net)
        let present = names.flatMap { [$0.mean, $0.variance] }.filter { file.tensors[$0] != nil }
        guard !present.isEmpty else { return (nil, 0) }
        guard present.count == 2 * names.count else {
            let missing = names.flatMap { [$0.mean, $0.variance] }.filter { file.tensors[$0] == nil }
            throw DataError(path, "BatchNorm running statistics incomplete: no \(missing.prefix(3).map { Safetensors.printable($0) }.joined(separator: ", "))")
        }
        var s = [Float](), tracked = 0
        s.reserveCapacity(layout.count)
        for (e, n) in zip(layout.entries, names) {
            for (name, isVariance) in [(n.mean, false), (n.variance, true)] {
                let t = file.tensors[name]!
                guard TorchStateDict.floatTypes.contains(t.dtype), t.count == e.channels, t.shape.count == 1 else {
                    throw DataError(path, "tensor \(Safetensors.printable(name)) has shape \(t.shape) \(t.dtype.rawValue), expected [\(e.channels)] floats")
                }
                let values = t.floats()
                guard values.allSatisfy(\.isFinite), !isVariance || values.allSatisfy({ $0 >= 0 }) else {
                    throw DataError(path, "tensor \(Safetensors.printable(name)) holds NaN, infinity\(isVariance ? " or a negative variance" : "")")
                }
                s += values
            }
            if let t = file.tensors[n.count] {
                guard t.count == 1, [.i64, .i32].contains(t.dtype), let k = t.int64s().first, k >= 0, k <= Int64(Int32.max) else {
                    throw DataError(path, "tensor \(Safetensors.printable(n.count)) is not one count of batches")
                }
                tracked = max(tracked, Int(k))
            }
        }
        return (s, tracked)
    }
}
