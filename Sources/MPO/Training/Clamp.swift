/// How a bad cell's cross-entropy is clamped at its clip (`TrainingConfig.clip(for:)`) before the objective
/// subtracts it. The paper clamps the minibatch's mean (`batch`): a bad cell stops pushing once its
/// mean loss passes the clip, and a net that is confidently wrong on some images can get there
/// while it still classifies many others right (smiley at step 400, live preset: white cells at
/// mean loss 3.07 were still 40 % accurate). `image` clamps each image's own cross-entropy, so a
/// bad cell keeps pushing on every image it still gets right and lets go of those it already
/// gets wrong: the white cells' accuracy falls, which is what the picture shows.
public enum Clamp: String, Hashable, Sendable, Codable, CaseIterable {
    /// clamp(mean CE, 0, clip): the paper's objective.
    case batch
    /// mean of clamp(CE_i, 0, clip) over the minibatch's images.
    case image
}

extension TrainingConfig {
    /// How `pattern`'s bad cells are clamped, in a few words for the run's header.
    public func clampSummary(for pattern: Pattern) -> String {
        let clip = clip(for: pattern)
        return switch clamp {
        case .batch: "bad cells' mean loss clamped at \(clip) (as the paper)"
        case .image: "each image's loss in bad cells clamped at \(clip)"
        }
    }
}
