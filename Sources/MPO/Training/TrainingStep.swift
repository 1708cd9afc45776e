/// What the training loop reads from any trainer's step.
public protocol TrainingStep: Sendable {
    /// The step count after this step.
    var step: Int { get }
    /// The minimised value (loss or MPO objective) before the update; not finite: divergence.
    var objective: Double { get }
    /// Compute time of the step.
    var seconds: Double { get }
    /// Images through the network in the step (cells x batch for a plane), for throughput.
    var images: Int { get }
}
