/// The jobs at the cursor (see `CursorJob`), in the order they run when several are due.
final class CursorJobs {
    let jobs: [any CursorJob] = [ProbeJob(), TransectJob(), CurvatureJob()]

    /// Seconds of work a job does per turn (a job that takes longer goes on in later turns).
    static let slice = 0.2

    func take(_ command: Session.Command) {
        for job in jobs where job.take(command) { return }
    }

    func isDue(_ context: CursorContext) -> Bool { jobs.contains { $0.isDue(context) } }

    /// Runs each due job for a turn, calling `published` after each.
    func run(_ context: CursorContext, published: () -> Void) {
        for job in jobs where job.isDue(context) {
            job.run(context, within: Self.slice)
            published()
        }
    }

    func planeReplaced() {
        for job in jobs { job.planeReplaced() }
    }

    func publish(into snapshot: inout Session.Snapshot) {
        for job in jobs { job.publish(into: &snapshot) }
    }
}
