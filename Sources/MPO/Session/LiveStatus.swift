/// What a session sized its live work to and what its map is now, for a UI to show.
public struct LiveStatus: Sendable, Equatable {
    /// nil while the first steps are being measured.
    public var plan: LivePlan?
    /// The plan chose the images per step (false: they are the user's or a checkpoint's).
    public var sizesBatch = true
    /// Images per step of the active plane now.
    public var batchSize = 0
    /// The map being evaluated: its grid and the images behind each sample.
    public var mapRows = 0, mapCols = 0, mapImages = 0
    /// Step of the oldest sample of the map shown now, once it has every sample (a map being
    /// refreshed in place is younger than at its last completion, `Snapshot.completeStep`).
    public var oldestStep: Int?
    /// Seconds between the last complete maps, measured (nil before two).
    public var mapSeconds: Double?
    /// While paused: refinement levels done and in all (the map then grows finer and takes
    /// more images until the last level is complete).
    public var refinedLevels = 0, refinementLevels = 0

    public init() {}
}
