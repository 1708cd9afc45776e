import Engine
import Foundation

/// Steps a `CurveTrainer` as `TrainingLoop` steps a plane: a step that leaves NaN or infinity
/// (loss, θ or Adam's moments) is rolled back to the last finite state and training stops there;
/// autosaves every N steps. A thin driver until the one loop is generic over what it trains.
public final class CurveLoop {
    public let trainer: CurveTrainer

    /// Why training stopped: the step that went non-finite, and the step kept instead.
    public struct Divergence: Error, Sendable {
        public var step: Int
        public var objective: Double
        public var keptStep: Int
    }

    /// Save to `path` every `everySteps` steps below step `below` (where the caller saves).
    public var autosave: (path: String, everySteps: Int, below: Int)?
    /// Called after each autosave with the error, or nil; a failed autosave never stops training.
    public var onAutosave: ((Error?) -> Void)?
    /// Changes the state after a step, before the check (tests put a NaN in, as a blow-up would).
    public var fault: ((_ step: Int, _ state: inout CurveTrainer.State) -> Void)?
    public private(set) var divergence: Divergence?
    private var computeSeconds = 0.0, stepsDone = 0

    public init(trainer: CurveTrainer) { self.trainer = trainer }

    /// Steps per second of compute so far.
    public var stepsPerSecond: Double { Double(stepsDone) / max(computeSeconds, 1e-9) }

    /// One step; after a divergence the trainer holds the last finite state and no step runs.
    @discardableResult
    public func advance() -> Result<CurveTrainer.StepResult, Divergence> {
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
            let d = Divergence(step: r.step, objective: r.objective, keptStep: before.adam.step)
            divergence = d
            return .failure(d)
        }
        computeSeconds += r.seconds
        stepsDone += 1
        if let autosave, autosave.everySteps > 0, trainer.step % autosave.everySteps == 0, trainer.step < autosave.below {
            do {
                try trainer.file.write(to: autosave.path)
                onAutosave?(nil)
            } catch {
                onAutosave?(error)
            }
        }
        return .success(r)
    }

    /// Steps until the trainer reaches `target` or diverges; `each` sees every finite step.
    public func train(until target: Int, each: (CurveTrainer.StepResult) -> Void = { _ in }) -> Divergence? {
        while trainer.step < target {
            switch advance() {
            case .success(let r): each(r)
            case .failure(let d): return d
            }
        }
        return nil
    }
}
