import Engine

/// What a job at the cursor (`CursorJob`) reads of the session when it runs: the plane shown,
/// how to evaluate it, and what the map shows. Made for each run; a job keeps none of it beyond
/// the values it records to tell a stale result (`plane`, `step`).
struct CursorContext {
    /// The plane shown (a fixed plane, or the active MPO plane) and its evaluator.
    var surface: any PlaneSurface
    var evaluator: Evaluator
    /// Step of the plane shown, and which plane it is (a result made on another is stale).
    var step: Int
    var plane: String
    var isTraining: Bool
    /// The map's split and the images behind its samples.
    var split: Split
    var mapImages: Int
    /// Images of each split for a probe (the session's `evalImages`).
    var probeImages: Int
    /// The first `images` of a split's evaluation pool.
    var data: (_ split: Split, _ images: Int) -> Dataset
    /// True when a command waits: a long job ends its slice early.
    var interrupted: () -> Bool
}
