/// Work the UI asks for at plane positions and shows beside the map: the probe at the cursor
/// (`ProbeJob`), the transect between two marks (`TransectJob`), and any later kind (the
/// Hessian's top eigenvalue at the cursor would be one more). A command asks for it; the compute
/// thread runs it between training steps and map chunks, never on the UI thread; its result, and
/// its progress when it takes long, goes out in its own part of the snapshot.
///
/// A new kind is one conforming type in a file of its own, its `Session.Command` case (routed to
/// the jobs in `SessionEngine.handle`), its part of `Session.Snapshot`, and a line in
/// `CursorJobs.jobs`.
protocol CursorJob: AnyObject {
    /// Takes `command` when it is this job's (true), else leaves it.
    func take(_ command: Session.Command) -> Bool
    /// Whether there is work to do now on the plane `context` shows.
    func isDue(_ context: CursorContext) -> Bool
    /// Does the work, or about `seconds` of it: a long job does a slice (stopping early when
    /// `context.interrupted()` says a command waits), records its progress and stays due.
    func run(_ context: CursorContext, within seconds: Double)
    /// Another plane is shown (opened, switched, started afresh): results on the old one go.
    func planeReplaced()
    /// Writes this job's part of the snapshot.
    func publish(into snapshot: inout Session.Snapshot)
}
