import ArgumentParser
import Engine
import Explorer
import Foundation
import MPO

/// `mpo view CHECKPOINT`: a saved plane in the explorer, paused (space trains on).
struct View: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "view", abstract: "Open a saved plane in the explorer without training.")

    @Argument(help: "A checkpoint (.safetensors) written by the explorer or mpo train.")
    var checkpoint: String
    @OptionGroup var ui: ExplorerUIOptions
    @Option(help: "Worker threads, 1 or more; capped at the cores (default: all cores).") var workers: Int?
    @OptionGroup var precision: PrecisionOption

    func run() throws {
        let compute = try precision.compute()
        TerminalProcess.prepare()
        var saved = try Checkpoint.read(path: checkpoint)  // refuse a damaged file before the screen changes
        saved.config.compute = compute
        try TrainingOptions.checkMemory(saved.config, workers: OptionCheck.resolvedWorkers(workers), evalImages: ui.evalImages, planes: 2)
        try TerminalProcess.run(ExplorerOptions(
            config: saved.config, pattern: saved.pattern, checkpoint: checkpoint, startPaused: true,
            evalImages: ui.evalImages, workers: OptionCheck.resolvedWorkers(workers), folders: .locate(), ascii: ui.ascii,
            startMessage: "viewing \((checkpoint as NSString).lastPathComponent) at step \(saved.step), paused: space trains on"))
    }
}
