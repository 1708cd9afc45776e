import Engine
import Foundation

/// The compute side of a `Session`, on the session's compute thread only: it composes the planes
/// and their training (`PlaneRunner`), the map and the gap (`MapRefresher`) and the jobs at the
/// cursor (`CursorJobs`), hands each command to its owner, shares the time between them, and
/// publishes the snapshot each of them writes its part of.
final class SessionEngine {
    unowned let session: Session
    let options: Session.Options
    let log: SessionLog
    let planes: PlaneRunner
    let map: MapRefresher
    let cursor = CursorJobs()

    init(session: Session, options: Session.Options) throws {
        self.session = session
        self.options = options
        let log = SessionLog()
        self.log = log
        planes = try PlaneRunner(options: options, log: log) { [unowned session] text in
            log.note(text)
            session.publish { $0.loadingText = text; $0.messages = log.messages }
        }
        map = MapRefresher(viewport: planes.home, step: planes.active.trainer.step, options: options)
    }

    // MARK: the loop

    func run() {
        publish()
        while true {
            let (commands, quit) = session.takeCommands()
            if quit { return planes.finish(session.requestedExitRecovery) }
            for c in commands { handle(c) }
            planes.keepRecovery()
            if !commands.isEmpty { publish() }

            cursor.run(cursorContext, published: publish)
            var budget = 0.2
            if planes.isTraining {
                let seconds = planes.trainStep(viewport: map.viewport, evalSecondsPerSampleImage: map.secondsPerPositionImage)
                map.planeMoved()
                budget = planes.sizing.mapBudget(afterStep: seconds)  // the plan's share of the cores for the map
                publish()
            }
            let worked = map.evaluate(for: budget, planes: planes, interrupted: session.hasPendingCommands, published: publish)
            if !planes.isTraining, !worked, !cursor.isDue(cursorContext) {
                session.waitForCommand(seconds: 0.5)
            }
        }
    }

    /// What the jobs at the cursor see of the plane shown and the map.
    var cursorContext: CursorContext {
        let v = planes.active
        return CursorContext(
            surface: planes.surface, evaluator: v.evaluator, step: v.trainer.step, plane: planes.identity, isTraining: planes.isTraining,
            split: map.split, mapImages: map.currentImages(planes), probeImages: options.evalImages,
            data: { [planes] in planes.data.evaluation($0, images: $1) }, interrupted: session.hasPendingCommands)
    }

    /// Another plane is shown (opened, switched, started afresh, recovered): the map starts
    /// again — from the new plane's own view when `newView` — and so do the gap and the jobs at
    /// the cursor.
    func planeReplaced(newView: Bool) {
        map.planeReplaced(viewport: newView ? planes.home : nil, step: planes.active.trainer.step)
        cursor.planeReplaced()
    }

    // MARK: publishing

    /// Each part of the snapshot as its owner has it now.
    func publish() {
        session.publish { s in
            s.status = planes.status
            s.messages = log.messages
            s.training = planes.part
            s.map = map.part(planes)
            cursor.publish(into: &s)
        }
    }
}
