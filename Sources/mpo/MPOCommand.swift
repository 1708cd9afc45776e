import ArgumentParser
import Engine
import Foundation

@main
struct MPOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mpo",
        abstract: "LossPatterns: draw pictures into neural-network loss landscapes (multi-point optimization).",
        subcommands: [Train.self, Info.self, Smoke.self])
}
