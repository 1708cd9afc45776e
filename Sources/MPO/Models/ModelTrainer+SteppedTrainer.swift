import Engine

/// A model's state is its file: weights, optimiser moments, step and random generator.
extension ModelTrainer: SteppedTrainer {
    public var state: ModelFile { model }

    public var isFinite: Bool { model.weights.allSatisfy(\.isFinite) && optimizer.isFinite }

    public var file: ModelFile { model }
}

extension ModelTrainer.StepResult: TrainingStep {
    public var objective: Double { loss }
}
