import ArgumentParser
import Engine
import Foundation
import MPO

struct View: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "view", abstract: "Open a saved plane in the explorer without training.")

    func run() throws {
        throw ValidationError("mpo view is not built yet")
    }
}
