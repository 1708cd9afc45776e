import ArgumentParser
import Engine
import Foundation
import MPO

struct Edit: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "edit", abstract: "Open the pattern editor.")

    func run() throws {
        throw ValidationError("mpo edit is not built yet")
    }
}
