import Engine
import Foundation

/// Recovery files (see `RecoveryStore`): kept by each plane's loop while it has unsaved steps,
/// brought up to date or removed when the session stops, and taken over from an ended session.
extension SessionEngine {
    var planeStatuses: [Session.PlaneStatus] {
        [false, true].compactMap { bn in
            variants[bn].map { Session.PlaneStatus(batchNorm: bn, step: $0.trainer.step, unsavedSteps: $0.unsavedSteps, lastSavedPath: $0.lastSavedPath) }
        }
    }

    /// Time-driven recovery writes (a plane paused with unsaved steps still gets its file), and
    /// any write failure on the status line.
    func keepRecovery() {
        for v in variants.values { v.loop.keepRecovery() }
        if let failure = options.recovery?.takeFailure() { note(failure, error: true) }
    }

    /// Throws away every plane (after the user agreed), recovery files included.
    func discardPlanes() {
        for v in variants.values { v.loop.discardRecovery() }
        variants = [:]
    }

    /// Ends the compute side as the session was asked to.
    func finish() {
        switch session.requestedExitRecovery {
        case .keep: break
        case .write: for v in variants.values { v.loop.flushRecovery() }
        case .discard: for v in variants.values { v.loop.discardRecovery() }
        }
        options.recovery?.flush()
    }

    /// Opens the planes of an ended session, paused, and takes them over: their state goes into
    /// this session's recovery files before the old ones are removed, so a crash in between
    /// loses nothing.
    func recover(_ ended: RecoveredSession) {
        do {
            let planes = try ended.planes.map { ($0, try Checkpoint.read(path: $0.path)) }
            guard let (first, c) = planes.first else { return }
            try adopt(c, path: first.savedPath, unsavedSteps: first.unsavedSteps)
            for (plane, other) in planes.dropFirst() where other.config.net.batchNorm != batchNorm && other.pattern == pattern {
                variants[!batchNorm] = try makeVariant(
                    batchNorm: !batchNorm, state: other.state, unsavedSteps: plane.unsavedSteps, savedPath: plane.savedPath)
            }
            for v in variants.values { v.loop.flushRecovery() }
            ended.discard()
            paused = true
            probe = nil
            scoreJob = nil
            let what = planeStatuses.map { "\($0.name) at step \($0.step), \($0.unsavedSteps) unsaved" }.joined(separator: "; ")
            note("recovered \(pattern.name): \(what) (paused: space trains on)")
        } catch {
            note("cannot recover: \(error)", error: true)
        }
    }
}
