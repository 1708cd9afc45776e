import MPO

/// Training stopped for a reason the user can act on (exit status 1, the message on stderr).
struct TrainingFailure: Error, CustomStringConvertible {
    let description: String

    /// A step went non-finite: the loop kept the last finite state, which `save` (where the
    /// command has somewhere to save) writes, returning where; the message says it all.
    static func diverged<T>(_ d: TrainingLoop<T>.Divergence, value: String, save: (() throws -> String)?) -> TrainingFailure {
        var message = "training diverged at step \(d.step) (\(value) \(d.objective)); the last finite state is step \(d.keptStep)"
        if let save {
            do { message += ", saved to \(try save())" } catch { message += "; it could not be saved (\(error))" }
        }
        return TrainingFailure(description: message + ". Try a lower --lr.")
    }
}
