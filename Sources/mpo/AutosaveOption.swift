import ArgumentParser
import Foundation
import MPO

/// `--autosave N`, shared by the commands that train (`mpo train`, `mpo fit`): the training loop
/// saves every N steps besides the command's own saves; a failed autosave (disk full, no
/// permission) is a warning and training goes on, the last good save intact.
struct AutosaveOption: ParsableArguments {
    @Option(help: "Autosave every N steps, 0 or more (0: only the command's own saves: train's at the end, fit's after each epoch). A failed autosave (disk full, no permission) is reported and training goes on.")
    var autosave = 0

    func validate() throws {
        try OptionCheck.count("--autosave", autosave, 0...Int.max)
    }

    /// Makes `loop` autosave to `path` every N steps below `target` (where the command makes its
    /// final save); `beside` writes what belongs next to each save (fit's trajectory).
    func apply<T>(to loop: TrainingLoop<T>, path: String?, below target: Int, beside: @escaping () throws -> Void = {}) {
        guard let path, autosave > 0 else { return }
        loop.autosave = .init(path: path, everySteps: autosave, below: target)
        loop.onAutosave = { [unowned loop] error in
            if let error { return Self.warn("autosave failed: \(error) — training goes on" + Self.intact(loop.lastSavedStep)) }
            do { try beside() } catch { Self.warn("autosave failed: \(error) — training goes on") }
        }
    }

    /// "; the save of step N is intact" after the loop's last good save, or nothing.
    static func intact(_ step: Int?) -> String {
        step.map { "; the save of step \($0) is intact" } ?? ""
    }

    static func warn(_ text: String) {
        FileHandle.standardError.write(Data(("warning: " + text + "\n").utf8))
    }
}
