import Engine

/// Which statistics BatchNorm normalises with when a model or a plane is evaluated (DESIGN.md §9):
///   batch      each evaluated batch's own (PyTorch's train mode); what an MPO plane has, since a
///              point on it has no running statistics
///   running    the model's stored running_mean/running_var (PyTorch's `model.eval()`); a plane
///              or segment through models moves them with the weights
///   recompute  at each point, fresh ones from one pass over training images in batches of
///              `recomputeBatch`, as dnn-mode-connectivity's update_bn
public enum BNStats: String, CaseIterable, Sendable {
    case batch, running, recompute

    /// update_bn's loader batch (dnn-mode-connectivity trains and recomputes with 128).
    public static let recomputeBatch = 128
    /// Training images a recompute passes by default: 16 full batches, so update_bn's weighting
    /// by images and torch.optim.swa_utils.update_bn's cumulative average (momentum None) agree.
    public static let defaultRecomputeImages = 2048

    /// The mode a file's net is evaluated with unless told: its running statistics when it has
    /// them (PyTorch users read a trained BN net in eval mode), else the batch's.
    public static func standard(hasRunningStatistics: Bool) -> BNStats { hasRunningStatistics ? .running : .batch }

    /// At most 26 characters, for the explorer's panel.
    public func short(images: Int? = nil) -> String {
        switch self {
        case .batch: "batch statistics"
        case .running: "running statistics"
        case .recompute: "recomputed, \(images.map(String.init) ?? "?") images"
        }
    }

    /// A few words for summaries.
    public func summary(images: Int? = nil) -> String {
        switch self {
        case .batch: "batch statistics of each eval set"
        case .running: "running statistics (PyTorch eval mode)"
        case .recompute: "recomputed per point on \(images.map(String.init) ?? "the") train images (update_bn)"
        }
    }
}
