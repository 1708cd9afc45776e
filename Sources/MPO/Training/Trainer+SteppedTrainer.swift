import Engine

extension Trainer: SteppedTrainer {
    public func advance() -> StepResult { step() }

    public var isFinite: Bool { plane.parameters.allSatisfy(\.isFinite) && adam.isFinite }

    public var file: Checkpoint {
        var c = Checkpoint(config: config, pattern: pattern, state: state)
        c.notes = notes
        return c
    }
}

extension Trainer.StepResult: TrainingStep {
    public var images: Int { cellImages }
}
