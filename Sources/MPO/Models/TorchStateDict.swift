import Engine
import Foundation

/// A PyTorch `state_dict` saved with `safetensors.torch.save_file(model.state_dict(), path)`,
/// read as a model of a net our engine describes, whatever the modules are named.
///
/// The file keeps no order (safetensors writes tensors sorted by name), so `named_parameters()`
/// order is rebuilt from the names, the shapes and the net's `LayerPlan`: tensors are grouped by
/// module (the name before the last dot); modules whose weights have the same number of
/// dimensions are ordered by the numbers in their names ("conv2" before "conv10", "features.3"
/// before "features.10") and dealt out to the plan's modules with parameters in turn, each to the
/// next whose weight has that many dimensions (so convolutions, BatchNorms and linears land
/// where the plan has them, whatever the modules are called); anything left over stays after the
/// module its name follows. Then the shapes must match the net's, row by row.
///
/// BatchNorm's `running_mean`, `running_var` and `num_batches_tracked` buffers take no part in
/// that order; each BatchNorm's are read from beside its weight (`model.running_mean` for
/// `model.weight`) into the model's running statistics, so the net evaluates as PyTorch's
/// `model.eval()` does (`BNStats.running`, the default for a model that has them). A state_dict
/// saved without buffers (`track_running_stats=False`) opens with none.
public enum TorchStateDict {
    static let ignoredBuffers: Set<String> = [StatisticsLayout.buffers.mean, StatisticsLayout.buffers.variance, StatisticsLayout.buffers.count]
    /// Parameters may be saved in any float type (`model.half()`, `model.double()`); they are read as F32.
    static let floatTypes: Set<Safetensors.DType> = [.f32, .f64, .f16, .bf16]

    /// Whether a safetensors file is a state_dict rather than one of ours: no `format` of ours
    /// (`save_file` writes none; Hugging Face's helpers write "pt").
    public static func isStateDict(_ file: Safetensors) -> Bool { file.metadata["format"] == nil || file.metadata["format"] == "pt" }

    /// The model: its net is `given`, else the file's `net` metadata (a preset name or a
    /// description); optimiser moments zero, step 0, default settings, the dataset whose images
    /// fit the net.
    static func model(_ file: Safetensors, path: String, net given: ModelSpec?) throws -> ModelFile {
        let net = try given ?? described(file, path: path)
        let plan = LayerPlan(net), layout = ParameterLayout(plan)
        let found = orderedParameters(file, as: plan)
        let rows = max(layout.entries.count, found.count)
        func fits(_ i: Int) -> Bool {
            i < layout.entries.count && i < found.count && found[i].tensor.shape == layout.entries[i].shape
                && floatTypes.contains(found[i].tensor.dtype)
        }
        let differing = (0..<rows).filter { !fits($0) }
        guard differing.isEmpty else {
            throw DataError(path, mismatchTable(net: net, layout: layout, found: found, differing: Set(differing)))
        }
        var weights = [Float]()
        weights.reserveCapacity(layout.count)
        for (e, f) in zip(layout.entries, found) {
            let values = f.tensor.floats()
            guard values.allSatisfy(\.isFinite) else { throw DataError(path, "tensor \(Safetensors.printable(f.name)) holds NaN or infinity") }
            // As the layer stores it: BatchNorm's scale is gamma - 1 (planes through it then never flip its sign).
            weights += e.torchOffset == 0 ? values : values.map { $0 - e.torchOffset }
        }
        var settings = ModelFile.Settings()
        settings.dataset = DatasetKind.allCases.first { $0.imageShape == net.inputShape } ?? .fashionMNIST
        let zeros = [Float](repeating: 0, count: layout.count)
        var model = ModelFile(net: net, settings: settings, weights: weights, m: zeros, v: zeros, step: 0, rng: Xoshiro256(seed: 0))
        // The buffers of each module with running statistics (BatchNorm) sit beside the tensor
        // matched to its first parameter.
        let row = Dictionary(uniqueKeysWithValues: layout.entries.enumerated().map { ($1.name, $0) })
        let modules = plan.steps.filter { $0.statistics != nil }.map { split(found[row[$0.parameters[0].name]!].name).module }
        let prefix = { (m: String) in m.isEmpty ? "" : m + "." }
        (model.statistics, model.batchesTracked) = try ModelFile.runningStatistics(
            file, net: net, names: modules.map {
                let b = StatisticsLayout.buffers
                return (prefix($0) + b.mean, prefix($0) + b.variance, prefix($0) + b.count)
            },
            path: path)
        return model
    }

    /// The net the file's `net` metadata names, checked as a `--net` would be.
    static func described(_ file: Safetensors, path: String) throws -> ModelSpec {
        guard let text = file.metadata["net"] else {
            throw DataError(path, "a PyTorch state_dict that does not say its net; give it with --net (a preset or a description such as 'conv 8,32,64 pool; dense 128')")
        }
        let net: ModelSpec
        if let preset = ModelSpec.preset(named: text) {
            net = preset
        } else {
            do { net = try ModelSpec(parsing: text) } catch {
                throw DataError(path, "its net metadata '\(Safetensors.printable(text, limit: 80))' is not a net: \(error)")
            }
        }
        if let why = Limits.beyond(net) { throw DataError(path, "its net is too large: \(why)") }
        return net
    }

    /// The parameters in the order `named_parameters()` gave them for the net `plan` describes
    /// (see the type's comment). Without a plan, that of a net of the grammar shaped like the
    /// file: as many convolutions as it has 4-d weights, BatchNorm when it has as many 1-d ones,
    /// and as many linears as 2-d ones (the sizes do not matter: only the order is read).
    public static func orderedParameters(_ file: Safetensors, as plan: LayerPlan? = nil) -> [(name: String, tensor: Safetensors.Tensor)] {
        var modules: [String: [(name: String, tensor: Safetensors.Tensor)]] = [:]
        for (name, tensor) in file.tensors {
            let (module, leaf) = split(name)
            if !ignoredBuffers.contains(leaf) { modules[module, default: []].append((name, tensor)) }
        }
        func rank(_ module: [(name: String, tensor: Safetensors.Tensor)]) -> Int? {
            module.first { split($0.name).leaf == "weight" }?.tensor.shape.count
        }
        // Within a module: weight, bias, then anything else.
        let leafOrder = ["weight": 0, "bias": 1]
        let sorted = modules.mapValues { tensors in
            tensors.sorted {
                let (a, b) = (split($0.name).leaf, split($1.name).leaf)
                return (leafOrder[a] ?? 2, a) < (leafOrder[b] ?? 2, b)
            }
        }
        let names = sorted.keys.sorted(by: naturalLess)
        func count(rank r: Int) -> Int { sorted.values.filter { rank($0) == r }.count }
        let plan = plan ?? LayerPlan(ModelSpec(
            inputShape: [1, 1, 1], convChannels: Array(repeating: 1, count: count(rank: 4) + 1),
            dense: Array(repeating: 1, count: max(1, count(rank: 2))), batchNorm: count(rank: 1) == count(rank: 4), maxPool: false))
        // The dimensions of each planned module's weight, in the plan's order.
        let planned = plan.steps.compactMap { step in
            (step.parameters.first { $0.name.hasSuffix(".weight") } ?? step.parameters.first)?.shape.count
        }
        var byRank: [Int: ArraySlice<String>] = [:]
        for name in names { if let r = rank(sorted[name]!) { byRank[r, default: []].append(name) } }
        var order: [String] = []
        for r in planned {
            if let next = byRank[r]?.popFirst() { order.append(next) }
        }
        // Anything else (one module too many, a weight of another rank, a module without one)
        // stays after the module its name follows, so one wrong tensor shows as one wrong row.
        var placed = Set(order)
        for (i, name) in names.enumerated() where !placed.contains(name) {
            let after = names[..<i].last(where: placed.contains).flatMap { order.firstIndex(of: $0) }
            order.insert(name, at: after.map { $0 + 1 } ?? 0)
            placed.insert(name)
        }
        return order.flatMap { sorted[$0]! }
    }

    /// "features.conv1.weight" -> ("features.conv1", "weight").
    static func split(_ name: String) -> (module: String, leaf: String) {
        guard let dot = name.lastIndex(of: ".") else { return ("", name) }
        return (String(name[..<dot]), String(name[name.index(after: dot)...]))
    }

    /// Names in natural order: runs of digits compare as numbers.
    static func naturalLess(_ a: String, _ b: String) -> Bool {
        func digit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
        func runs(_ s: String) -> [String] {
            var out: [String] = []
            for c in s {
                if let last = out.last?.last, digit(last) == digit(c) {
                    out[out.count - 1].append(c)
                } else {
                    out.append(String(c))
                }
            }
            return out
        }
        let (x, y) = (runs(a), runs(b))
        for (p, q) in zip(x, y) where p != q {
            if let i = Int(p), let j = Int(q), i != j { return i < j }
            return p < q
        }
        return x.count < y.count
    }

    /// Rows shown: more than the largest net a checkpoint accepts has parameters (80).
    static let maxRows = 100

    /// What differs, row by row: the net's parameter against the file's tensor in the order read.
    static func mismatchTable(
        net: ModelSpec, layout: ParameterLayout, found: [(name: String, tensor: Safetensors.Tensor)], differing: Set<Int>
    ) -> String {
        func shape(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: ", ") + "]" }
        let expected = layout.entries.map { "\($0.name) \(shape($0.shape))" }
        let read = found.map { "\(Safetensors.printable($0.name, limit: 60)) \(shape($0.tensor.shape)) \($0.tensor.dtype.rawValue)" }
        let width = max(8, expected.map(\.count).max() ?? 0)
        func cell(_ s: String) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
        var lines = [
            "its tensors do not match the net '\(net.text)' (\(differing.count) of \(max(expected.count, read.count)) rows differ; "
                + "BatchNorm running statistics are matched apart):",
            "     " + cell("expected (ours)") + "  found (in the file, in the order read)",
        ]
        let rows = max(expected.count, read.count)
        for i in 0..<min(rows, maxRows) {
            let mark = differing.contains(i) ? "  x  " : "     "
            lines.append(mark + cell(i < expected.count ? expected[i] : "-") + "  " + (i < read.count ? read[i] : "-"))
        }
        if rows > maxRows { lines.append("     ... \(rows - maxRows) more rows") }
        return lines.joined(separator: "\n")
    }
}
