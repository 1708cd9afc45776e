import Foundation
import TestSupport

extension TemporaryFolder {
    /// A project folder (LOSSPATTERNS_HOME) with Patterns/ holding the shipped patterns and an empty Checkpoints/.
    func makeHome(_ name: String = "home") throws -> String {
        let home = file(name)
        try FileManager.default.createDirectory(atPath: home + "/Checkpoints", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: packageRoot + "/Patterns", toPath: home + "/Patterns")
        return home
    }
}
