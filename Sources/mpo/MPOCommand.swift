import ArgumentParser
import Engine
import Foundation

@main
struct MPOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mpo",
        abstract: "LossPatterns: draw pictures into neural-network loss landscapes (multi-point optimization).",
        subcommands: [Explore.self, View.self, Edit.self, Train.self, Render.self, PatternCommand.self, Bench.self, Experiment.self, Info.self],
        defaultSubcommand: Explore.self)

    /// ArgumentParser's `main`, with errors on one line: "Error: <what>" on stderr, exit status 64
    /// for a bad option (the usage text is for `--help`), 1 when the work failed.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is ExitCode { exit(withError: error) }
            var text = message(for: error).trimmingCharacters(in: .whitespacesAndNewlines)
            if text.count > 400 { text = text.prefix(300) + " ... " + text.suffix(80) }  // a pasted value need not come back whole
            if !text.isEmpty { FileHandle.standardError.write(Data("Error: \(text)\n".utf8)) }
            Foundation.exit(code.rawValue)
        }
    }
}
