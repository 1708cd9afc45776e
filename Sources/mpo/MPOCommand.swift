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
}
