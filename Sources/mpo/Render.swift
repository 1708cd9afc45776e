import ArgumentParser
import Engine
import Foundation
import MPO

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "render", abstract: "Render a saved plane's heatmap to PNG, CSV or PGM.")

    func run() throws {
        throw ValidationError("mpo render is not built yet")
    }
}
