import Engine
import Foundation

/// The one training loop, generic over what is trained (a plane for `mpo train`, the explorer's
/// session and the BN experiment; one model for `mpo fit`): steps a trainer, rolls a step that
/// produced NaN or infinity (objective, parameters or optimiser state) back to the last finite
/// state and stops there, measures throughput, and keeps the files: saves (`save`), autosaves
/// every N steps (`autosave`, on this thread) and recovery files in the background (`recovery`:
/// every `everySteps` steps or `everySeconds` seconds, whichever comes first, while there are
/// unsaved steps).
public final class TrainingLoop<T: SteppedTrainer> {
    public let trainer: T

    /// Why training stopped: the step that went non-finite, and the step kept instead.
    public struct Divergence: Error, Sendable, CustomStringConvertible {
        public var step: Int
        public var objective: Double
        public var keptStep: Int
        public var description: String {
            "training diverged at step \(step) (objective \(objective)); kept step \(keptStep)"
        }
    }

    /// Synchronous saves to one path every `everySteps` steps, below step `below` (where the
    /// caller makes its final save).
    public struct Autosave {
        public var path: String
        public var everySteps: Int
        public var below: Int
        public init(path: String, everySteps: Int, below: Int = .max) {
            self.path = path
            self.everySteps = everySteps
            self.below = below
        }
    }

    /// Background recovery files of one plane ("plain" or "bn") in a store.
    public struct Recovery {
        public var store: RecoveryStore
        public var plane: String
        public var everySteps: Int
        public var everySeconds: Double
        public init(store: RecoveryStore, plane: String, everySteps: Int = 200, everySeconds: Double = 30) {
            self.store = store
            self.plane = plane
            self.everySteps = everySteps
            self.everySeconds = everySeconds
        }
    }

    public private(set) var divergence: Divergence?
    public private(set) var throughput = Throughput()
    /// Steps trained since the state was last saved or opened.
    public private(set) var unsavedSteps: Int
    public private(set) var lastSavedPath: String?
    /// Step of this loop's last successful save (nil: none yet).
    public private(set) var lastSavedStep: Int?
    public var autosave: Autosave?
    /// Called after each autosave with the error, or nil when it worked; a failed autosave never
    /// stops training.
    public var onAutosave: ((Error?) -> Void)?
    public var recovery: Recovery? {
        didSet { recoveredStep = nil }
    }
    /// Step of the last recovery write queued.
    private var recoveredStep: Int?
    /// When the oldest step not in the recovery file finished (nil: the file is current).
    private var dirtySince: Date?

    /// Changes the state after each step, before the check: tests put a NaN in, as a real
    /// blow-up would, to prove the check catches it.
    public var fault: ((_ step: Int, _ state: inout T.State) -> Void)?

    public init(trainer: T, unsavedSteps: Int = 0, lastSavedPath: String? = nil, recovery: Recovery? = nil) {
        self.trainer = trainer
        self.unsavedSteps = unsavedSteps
        self.lastSavedPath = lastSavedPath
        self.recovery = recovery
    }

    public var step: Int { trainer.step }

    /// One step; after a divergence the trainer holds the last finite state and no step runs.
    @discardableResult
    public func advance() -> Result<T.StepResult, Divergence> {
        if let divergence { return .failure(divergence) }
        let before = trainer.state
        let r = trainer.advance()
        if let fault {
            var s = trainer.state
            fault(r.step, &s)
            trainer.restore(s)
        }
        guard r.objective.isFinite, trainer.isFinite else {
            trainer.restore(before)
            let d = Divergence(step: r.step, objective: r.objective, keptStep: trainer.step)
            divergence = d
            return .failure(d)
        }
        unsavedSteps += 1
        let now = Date()
        throughput.record(r, at: now)
        if dirtySince == nil { dirtySince = now }
        if let autosave, autosave.everySteps > 0, trainer.step % autosave.everySteps == 0, trainer.step < autosave.below {
            do {
                try save(to: autosave.path)
                onAutosave?(nil)
            } catch {
                onAutosave?(error)
            }
        }
        keepRecovery(now: now)
        return .success(r)
    }

    /// Steps until the trainer reaches `target` or diverges.
    public func train(until target: Int) -> Divergence? { train(until: target) { _ in } }

    /// Steps until the trainer reaches `target` or diverges; `each` sees every finite step.
    public func train(until target: Int, each: (T.StepResult) throws -> Void) rethrows -> Divergence? {
        while trainer.step < target {
            switch advance() {
            case .success(let r): try each(r)
            case .failure(let d): return d
            }
        }
        return nil
    }

    /// Forgets the wall clock of the throughput (after a pause).
    public func resetClock() { throughput.resetClock() }

    /// Writes the trainer's state (the last finite one after a divergence) atomically; its
    /// recovery file goes, since the save holds everything it held.
    public func save(to path: String) throws {
        try trainer.file.write(to: path)
        unsavedSteps = 0
        lastSavedPath = path
        lastSavedStep = trainer.step
        discardRecovery()
    }

    // MARK: recovery

    /// Writes the recovery file when one is due; call it now and then while not stepping (time).
    public func keepRecovery(now: Date = Date()) {
        guard let recovery, unsavedSteps > 0, recoveredStep != trainer.step, let since = dirtySince else { return }
        let bySteps = trainer.step - (recoveredStep ?? trainer.step - unsavedSteps) >= recovery.everySteps
        guard bySteps || now.timeIntervalSince(since) >= recovery.everySeconds else { return }
        writeRecovery(wait: false)
    }

    /// Writes the recovery file now if it is behind (before the process ends), waiting for it.
    public func flushRecovery() {
        guard let recovery else { return }
        if unsavedSteps > 0 && recoveredStep != trainer.step { writeRecovery(wait: true) }
        recovery.store.flush()
    }

    /// Removes the recovery file (the plane was saved, or is thrown away).
    public func discardRecovery() {
        guard let recovery else { return }
        recovery.store.remove(plane: recovery.plane)
        recoveredStep = nil
        dirtySince = nil
    }

    private func writeRecovery(wait: Bool) {
        guard let recovery else { return }
        recovery.store.write(trainer.file, unsavedSteps: unsavedSteps, savedPath: lastSavedPath, plane: recovery.plane, wait: wait)
        recoveredStep = trainer.step
        dirtySince = nil
    }
}
