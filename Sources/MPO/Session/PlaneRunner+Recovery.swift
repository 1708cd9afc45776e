import Engine
import Foundation

/// Recovery files (see `RecoveryStore`): kept by each plane's loop while it has unsaved steps,
/// brought up to date or removed when the session stops, and taken over from an ended session.
extension PlaneRunner {
    var planeStatuses: [Session.PlaneStatus] {
        [false, true].compactMap { bn in
            variants[bn].map { Session.PlaneStatus(batchNorm: bn, step: $0.trainer.step, unsavedSteps: $0.unsavedSteps, lastSavedPath: $0.lastSavedPath) }
        }
    }

    /// Time-driven recovery writes (a plane paused with unsaved steps still gets its file), and
    /// any write failure on the status line.
    func keepRecovery() {
        for v in variants.values { v.loop.keepRecovery() }
        if let failure = options.recovery?.takeFailure() { log.note(failure, error: true) }
    }

    /// Throws away every plane (after the user agreed), recovery files included.
    func discardPlanes() {
        for v in variants.values { v.loop.discardRecovery() }
        variants = [:]
    }

    /// Does with the recovery files what the stopping session was asked to.
    func finish(_ exit: Session.ExitRecovery) {
        switch exit {
        case .keep: break
        case .write: for v in variants.values { v.loop.flushRecovery() }
        case .discard: for v in variants.values { v.loop.discardRecovery() }
        }
        options.recovery?.flush()
    }

    /// Opens the planes of an ended session, paused, and takes them over: their state goes into
    /// this session's recovery files before the old ones are removed, so a crash in between
    /// loses nothing. True when the planes shown were replaced (even if a later part failed).
    func recover(_ ended: RecoveredSession) -> Bool {
        var replaced = false
        do {
            let planes = try ended.planes.map { ($0, try Checkpoint.read(path: $0.path)) }
            guard let (first, c) = planes.first else { return false }
            try adopt(c, path: first.savedPath, unsavedSteps: first.unsavedSteps)
            replaced = true
            for (plane, other) in planes.dropFirst() where other.config.net.batchNorm != batchNorm && other.pattern == pattern {
                variants[!batchNorm] = try makeVariant(
                    batchNorm: !batchNorm, state: other.state, unsavedSteps: plane.unsavedSteps, savedPath: plane.savedPath)
            }
            for v in variants.values { v.loop.flushRecovery() }
            ended.discard()
            paused = true
            let what = planeStatuses.map { "\($0.name) at step \($0.step), \($0.unsavedSteps) unsaved" }.joined(separator: "; ")
            log.note("recovered \(pattern.name): \(what) (paused: space trains on)")
        } catch {
            log.note("cannot recover: \(error)", error: true)
        }
        return replaced
    }
}
