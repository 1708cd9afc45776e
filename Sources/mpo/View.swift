import ArgumentParser
import Engine
import Explorer
import Foundation
import MPO

/// `mpo view CHECKPOINT`: a saved plane in the explorer, paused (space trains on); a plane of
/// fixed directions (`mpo plane`) opens with nothing to train.
struct View: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "view", abstract: "Open a saved plane in the explorer without training (an `mpo plane` file: its (α, β) plane, nothing trains).")

    @Argument(help: "A checkpoint (.safetensors) written by the explorer, mpo train or mpo plane.")
    var checkpoint: String
    @OptionGroup var ui: ExplorerUIOptions
    @Option(help: "Worker threads, 1 or more; capped at the cores (default: all cores).") var workers: Int?
    @OptionGroup var precision: PrecisionOption
    @OptionGroup var bn: BNStatsOption

    func run() throws {
        let compute = try precision.compute()
        TerminalProcess.prepare()
        let folders = ProjectFolders.locate()
        // refuse a damaged file before the screen changes
        var config: TrainingConfig, pattern: Pattern, message: String, mode: BNStats
        switch try PlaneFile.read(path: checkpoint) {
        case .mpo(let saved):
            mode = try bn.mode(for: saved.config.net, running: false, mpo: true, what: checkpoint)
            (config, pattern) = (saved.config, saved.pattern)
            message = "viewing \((checkpoint as NSString).lastPathComponent) at step \(saved.step), paused: space trains on"
        case .directions(let d):
            mode = try bn.mode(for: d.net, running: d.statistics != nil, what: checkpoint)
            // Settings for a pattern trained later from here (p, e); the plane itself has none.
            config = .live
            config.net = d.net
            config.dataset = d.dataset
            (pattern, _) = try TerminalProcess.pattern(nil, folders: folders)
            message = "viewing \((checkpoint as NSString).lastPathComponent): a fixed \(d.kind.rawValue) plane in (α, β); nothing trains"
        }
        config.compute = compute
        try TrainingOptions.checkMemory(config, workers: OptionCheck.resolvedWorkers(workers), evalImages: ui.evalImages, planes: 2)
        var options = ExplorerOptions(
            config: config, pattern: pattern, checkpoint: checkpoint, startPaused: true,
            evalImages: ui.evalImages, workers: OptionCheck.resolvedWorkers(workers), folders: folders, ascii: ui.ascii,
            startMessage: message)
        (options.bnStats, options.bnImages) = (mode, bn.images)
        try TerminalProcess.run(options)
    }
}
