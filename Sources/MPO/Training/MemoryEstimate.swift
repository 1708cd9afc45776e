import Engine
import Foundation

/// What a run will allocate, estimated from the net and the sizes before anything is built, so
/// that options needing more memory than the machine has are refused up front with the figure.
/// Counted in Double: option values (batch, cells, images) can be anything, and the sums must not
/// overflow; the net's own sizes come from its `LayerPlan`, within the limits it was checked against.
/// The estimate follows the buffers `Network`, `Trainer`, `Evaluator` and the datasets allocate
/// (activations, gradients, per-cell gradient slots, Adam moments, minibatch, subsets).
public enum MemoryEstimate {
    /// Floats per image of one network's buffers: the input, each engine layer's activation
    /// (`LayerPlan.fusedLayers`, as `Network` keeps them) and what the layers keep for the
    /// backward pass (`LayerPlan.Step.savedBytes`: max-pool winners; bytes counted as floats, an
    /// overestimate). A forward-only network reuses two buffers of the widest.
    static func floatsPerImage(_ net: ModelSpec, forwardOnly: Bool) -> Double {
        let plan = LayerPlan(net)
        let outputs = [Double(net.inputSize)] + plan.fusedLayers.map { Double(plan.steps[$0.last!].outputSize) }
        let winners = plan.steps.filter { $0.savedBytes > 0 }.reduce(0.0) { $0 + Double($1.savedBytes) }
        let widest = outputs.max() ?? 0
        if forwardOnly { return 2 * widest + winners }
        return outputs.reduce(0, +) + 2 * widest + winners
    }

    /// Parameters per point (P), in Double.
    static func parameters(_ net: ModelSpec) -> Double { Double(LayerPlan(net).parameterCount) }

    /// Bytes of a `Trainer` (per-worker networks at the batch, gradient slots, plane, Adam).
    public static func trainer(_ c: TrainingConfig, workers: Int) -> Double {
        let p = parameters(c.net), batch = Double(c.batchSize), w = Double(max(1, workers))
        let networks = w * batch * floatsPerImage(c.net, forwardOnly: false)
        // an uneven pattern draws more cells per colour (TrainingConfig.cellsPerSide): count the most
        let slots = 2 * Double(c.cells) * Double(c.unevenRatio == nil ? 1 : TrainingConfig.unevenFactor) * p
        // plane, Adam m and v, the state kept for rollback and a checkpoint's copies
        let vectors = 12 * (3 * p + 1) + w * p
        let minibatch = batch * Double(c.net.inputShape.reduce(1, *))
        return 4 * (networks + slots + vectors + minibatch)
    }

    /// Bytes of an `Evaluator` over `images` images (forward-only networks at that capacity).
    public static func evaluator(_ net: ModelSpec, images: Int, workers: Int) -> Double {
        let w = Double(max(1, workers))
        return 4 * (w * Double(images) * floatsPerImage(net, forwardOnly: true) + w * parameters(net))
    }

    /// Bytes of a dataset's two splits in memory, plus evaluation subsets of `images` each.
    public static func data(_ kind: DatasetKind, images: Int) -> Double {
        let size = Double(kind.imageShape.reduce(1, *))
        let counts = [Split.train, .test].map { Double(kind.count(of: $0)) }
        let subsets = counts.map { min($0, Double(images)) }
        return 4 * size * (counts + subsets).reduce(0, +) + 4 * (counts + subsets).reduce(0, +)
    }

    /// Physical memory, or the cgroup's limit when lower (containers).
    public static var available: Double {
        var total = Double(sysconf(Int32(_SC_PHYS_PAGES))) * Double(sysconf(Int32(_SC_PAGESIZE)))
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
               let limit = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0 {
                total = min(total, limit)
            }
        }
        return total
    }

    /// "314 GB", "1.2 GB", "350 MB".
    public static func format(_ bytes: Double) -> String {
        if bytes >= 1e12 { return String(format: "%.0f TB", bytes / 1e12) }
        if bytes >= 1e11 { return String(format: "%.0f GB", bytes / 1e9) }
        if bytes >= 1e9 { return String(format: "%.1f GB", bytes / 1e9) }
        return String(format: "%.0f MB", bytes / 1e6)
    }
}

extension DatasetKind {
    /// Classes of every dataset here.
    public var classes: Int { 10 }

    /// Images in a split (what the loaders hold).
    public func count(of split: Split) -> Int {
        switch (self, split) {
        case (.cifar10, .train): 50_000
        case (_, .train): 60_000
        case (_, .test): 10_000
        }
    }
}
