/// A curve trains through the one `TrainingLoop`: rollback of a non-finite step, throughput,
/// saves and autosaves come from there.
extension CurveTrainer: SteppedTrainer {}

extension CurveTrainer.StepResult: TrainingStep {}

extension CurveFile: TrainingFile {}
