import ArgumentParser
import Engine
import Foundation

@main
struct MPOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mpo",
        abstract: "LossPatterns: draw pictures into neural-network loss landscapes (multi-point optimization).",
        subcommands: [Explore.self, View.self, Edit.self, Train.self, Render.self, PatternCommand.self, Bench.self, Experiment.self, Fit.self, PlaneCommand.self, CurveCommand.self, TransectCommand.self, HessianCommand.self, Info.self],
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
            // A file's table of differences (a state_dict against its net) stays a table under its one-line error.
            if let e = error as? DataError, e.problem.contains("\n") {
                FileHandle.standardError.write(Data("Error: \(Safetensors.printable(e.path)): \(e.problem)\n".utf8))
                Foundation.exit(code.rawValue)
            }
            // One line: a message of several (a list of choices, of differences) is joined up.
            let lines = message(for: error).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                .map { $0.hasPrefix("- ") ? String($0.dropFirst(2)) : $0 }
            var text = lines.joined(separator: "; ").replacingOccurrences(of: ":; ", with: ": ")
            if text.count > 400 { text = text.prefix(300) + " ... " + text.suffix(80) }  // a pasted value need not come back whole
            if !text.isEmpty { FileHandle.standardError.write(Data("Error: \(text)\n".utf8)) }
            Foundation.exit(code.rawValue)
        }
    }
}
