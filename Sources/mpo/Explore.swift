import ArgumentParser
import Engine
import Foundation
import MPO

struct Explore: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "explore", abstract: "Open the explorer and train a pattern live (the default).")

    func run() throws {
        throw ValidationError("mpo explore is not built yet")
    }
}
