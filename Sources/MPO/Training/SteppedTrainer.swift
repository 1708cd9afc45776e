/// What `TrainingLoop` trains: a plane (`Trainer`), one model (`ModelTrainer`), and whatever
/// comes next (a curve between models) by conforming too. The loop owns the policy (rollback of
/// a non-finite step, throughput, saves, autosaves, recovery files); a trainer only steps, hands
/// out and takes back its state, and says what a save writes.
public protocol SteppedTrainer: AnyObject {
    /// Everything a step changes (parameters, optimiser state, random generator), kept before
    /// each step so a non-finite one can be rolled back.
    associatedtype State
    associatedtype StepResult: TrainingStep
    /// What a save writes.
    associatedtype File: TrainingFile

    /// Optimiser steps taken.
    var step: Int { get }
    var state: State { get }
    func restore(_ state: State)
    /// One optimiser step.
    func advance() -> StepResult
    /// True when the parameters and the optimiser state hold no NaN or infinity.
    var isFinite: Bool { get }
    /// The current state as a file.
    var file: File { get }
}
