import ArgumentParser
import Engine
import Explorer
import Foundation
import MPO

/// `mpo edit [PATTERN]`: the pattern editor on its own; "train on this" opens the explorer.
struct Edit: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "edit", abstract: "Open the pattern editor.")

    @Argument(help: "A .pbm file or a shipped pattern's name; a new name starts a blank pattern.")
    var pattern: String?
    @Option(help: "Size of a new blank pattern, WxH, sides 3...128.") var size = "16x16"
    @OptionGroup var training: TrainingOptions
    @OptionGroup var ui: ExplorerUIOptions

    func run() throws {
        TerminalProcess.prepare()
        let folders = ProjectFolders.locate()
        let config = try training.config()
        let sides = size.split(separator: "x").compactMap { Int($0) }
        guard sides.count == 2, sides.allSatisfy({ (Pattern.minSide...128).contains($0) }) else {
            throw ValidationError("--size must be WxH with sides \(Pattern.minSide)...128, e.g. 24x16")
        }
        var start = Pattern(width: sides[0], height: sides[1], bits: .init(repeating: 0, count: sides[0] * sides[1]), name: "untitled")
        var note: String? = nil
        if let name = pattern {
            if let p = try? folders.loadPattern(name) {
                start = p
            } else if name.contains("/") || name.hasSuffix(".pbm") {
                _ = try folders.loadPattern(name)  // a path that does not load: say why
            } else {
                start.name = name
                note = "new pattern \(name): w writes Patterns/\(name).pbm"
            }
        }
        try TerminalProcess.run(ExplorerOptions(
            config: config, pattern: start, evalImages: ui.evalImages, workers: training.resolvedWorkers, folders: folders,
            ascii: ui.ascii, editorOnly: true, startMessage: note))
    }
}
