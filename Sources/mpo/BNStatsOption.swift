import ArgumentParser
import Engine
import Foundation
import MPO

/// `--bn-stats` and `--bn-images`: how BatchNorm normalises wherever a model or a plane of fixed
/// directions is evaluated (`BNStats`). One rule everywhere: `batch` is always accepted (a net
/// without BatchNorm has nothing else to do); `running` and `recompute` need a BatchNorm net,
/// `running` a file with running statistics, and an MPO plane takes `batch` only.
struct BNStatsOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "BatchNorm statistics: batch, running or recompute (default: running where the file has running statistics, else batch).",
        discussion: "batch: each evaluated batch's own (PyTorch's train mode; MPO planes). running: the model's running_mean/running_var (PyTorch's model.eval()). recompute: at each point, fresh ones from --bn-images training images in batches of 128, as update_bn.",
        valueName: "mode")) var bnStats: String?
    @Option(help: "With --bn-stats recompute: the first N training images each point's statistics come from, 1...60000 (default: 2048).")
    var bnImages: Int?

    func validate() throws {
        try OptionCheck.choice("--bn-stats", bnStats, BNStats.allCases.map(\.rawValue))
        try OptionCheck.count("--bn-images", bnImages, 1...60_000)
        if let bnImages, bnStats != BNStats.recompute.rawValue {
            throw OptionCheck.fail("--bn-images", String(bnImages), "only with --bn-stats recompute")
        }
    }

    var requested: BNStats? { bnStats.flatMap(BNStats.init(rawValue:)) }
    var images: Int { bnImages ?? BNStats.defaultRecomputeImages }

    /// The mode to evaluate `net` with, or a one-line refusal naming `what` (the file).
    /// `running`: whether the file has running statistics; `mpo`: an MPO plane.
    func mode(for net: ModelSpec, running: Bool, mpo: Bool = false, what: String) throws -> BNStats {
        guard let requested else { return net.batchNorm && !mpo ? .standard(hasRunningStatistics: running) : .batch }
        guard requested != .batch else { return .batch }
        let option = "--bn-stats \(requested.rawValue)"
        guard net.batchNorm else { throw ValidationError("\(option): \(what) has no BatchNorm; only batch (which changes nothing)") }
        if mpo {
            throw ValidationError("\(option): \(what) is an MPO plane, trained and drawn with batch statistics (its points have no running statistics); only batch")
        }
        if requested == .running && !running {
            throw ValidationError("\(option): \(what) has no BatchNorm running statistics (running_mean/running_var); use batch or recompute")
        }
        return requested
    }

    /// Sets `evaluator` to `mode`, loading the first --bn-images training images for recompute.
    func apply(_ mode: BNStats, to evaluator: Evaluator, dataset: DatasetKind, from folder: String?) throws {
        let images = mode == .recompute ? try dataset.load(.train, from: folder).prefix(self.images) : nil
        try evaluator.useStatistics(mode, images: images)
    }

    /// "BatchNorm: running statistics (PyTorch eval mode)" for a BatchNorm net, nil otherwise.
    func line(_ mode: BNStats, net: ModelSpec) -> String? {
        net.batchNorm ? "BatchNorm: " + mode.summary(images: mode == .recompute ? images : nil) : nil
    }
}

/// `--bn-stats` where planes train (`mpo train`, `mpo explore`, `mpo edit`): MPO planes use batch
/// statistics only, so any other value is refused in one line.
struct MPOBNStatsOption: ParsableArguments {
    @Option(help: ArgumentHelp("BatchNorm statistics of MPO planes: batch only (their points have no running statistics).", valueName: "mode"))
    var bnStats: String?

    func validate() throws {
        try OptionCheck.choice("--bn-stats", bnStats, BNStats.allCases.map(\.rawValue))
        if let bnStats, bnStats != BNStats.batch.rawValue {
            throw OptionCheck.fail("--bn-stats", OptionCheck.shown(bnStats), "MPO planes train and draw with batch statistics (a point of a plane has no running statistics); only batch")
        }
    }
}
