import Engine

/// A trainer's saved state: a plane's `Checkpoint` or a model's `ModelFile`.
public protocol TrainingFile {
    /// The tensors and metadata (recovery files add keys before writing).
    var file: Safetensors { get }
    /// Writes atomically, refusing NaN or infinity: a diverged run never replaces a good file.
    func write(to path: String) throws
}
