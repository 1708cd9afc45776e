import ArgumentParser
import Engine
import Explorer
import Foundation
import MPO

/// `mpo` / `mpo explore`: the terminal explorer, training a pattern live.
struct Explore: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "explore", abstract: "Open the explorer and train a pattern live (the default).")

    @Argument(help: "A .pbm file or the name of a shipped pattern (see Patterns/).")
    var pattern: String?
    @OptionGroup var training: TrainingOptions
    @OptionGroup var ui: ExplorerUIOptions

    func run() throws {
        TerminalProcess.prepare()
        let folders = ProjectFolders.locate()
        let config = try training.config()
        let (pattern, note) = try TerminalProcess.pattern(self.pattern, folders: folders)
        var options = ExplorerOptions(
            config: config, pattern: pattern, startPaused: ui.paused, evalImages: ui.evalImages, workers: training.resolvedWorkers,
            folders: folders, ascii: ui.ascii, startMessage: note)
        options.offerRecovery = true
        options.sizesBatch = training.batch == nil  // a batch the user chose is kept
        options.precisionChoice = training.precision.choice
        try TerminalProcess.run(options)
    }
}

/// Options of the commands that open the terminal UI.
struct ExplorerUIOptions: ParsableArguments {
    @Flag(help: "Plain ASCII without colours (for terminals that show garbage otherwise).") var ascii = false
    @Option(help: "Images of each split evaluated per map sample, probe and gap, 1...60000 (fewer: faster maps, noisier values).")
    var evalImages = 100
    @Flag(help: "Start paused.") var paused = false
}

/// What the UI commands share: process set-up, the pattern argument, running the app.
enum TerminalProcess {
    /// The Swift runtime's crash reporter waits 30 s for a debugger on a terminal, leaving the
    /// screen unusable; it reads its setting at start-up, so set it and start again.
    static func prepare() {
        guard getenv("SWIFT_BACKTRACE") == nil else { return }
        setenv("SWIFT_BACKTRACE", "interactive=no", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)  // returns only on failure: carry on as we are
    }

    /// The named pattern; without a name the default one, or a generated ring if it is missing.
    static func pattern(_ name: String?, folders: ProjectFolders) throws -> (Pattern, String?) {
        if let name { return (try folders.loadPattern(name), nil) }
        if let p = try? folders.loadPattern(ProjectFolders.defaultPattern) { return (p, nil) }
        return (Pattern.ring(size: 16), "no \(ProjectFolders.defaultPattern).pbm in \(folders.patterns): training a generated ring")
    }

    static func run(_ options: ExplorerOptions) throws {
        let code = try ExplorerApp.run(options)
        if code != 0 { throw ExitCode(code) }
    }
}
