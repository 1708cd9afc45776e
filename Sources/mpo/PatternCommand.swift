import ArgumentParser
import Engine
import Foundation
import MPO

struct PatternCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pattern", abstract: "Generate, show and convert patterns.")

    func run() throws {
        throw ValidationError("mpo pattern is not built yet")
    }
}
