import Engine
import Foundation
import TestSupport
import XCTest
@testable import MPO

/// What the session tests share: a private project folder (Patterns/, Checkpoints/) removed after
/// each test, and a wait on the snapshot with a deadline (never a sleep, then an assertion).
class SessionTestCase: XCTestCase {
    var home: String!
    var folders: ProjectFolders { ProjectFolders(root: home) }
    /// `waitFor`'s deadline when a call gives none, seconds.
    var patience: Double { 60 }

    override func setUpWithError() throws {
        home = try temporaryFolder(name).path
        try FileManager.default.createDirectory(atPath: home + "/Patterns", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: home + "/Checkpoints", withIntermediateDirectories: true)
    }

    /// `session.waitFor` with this class's patience unless `seconds` is given.
    @discardableResult
    func waitFor(_ session: Session, _ what: String, seconds: Double? = nil, file: StaticString = #filePath, line: UInt = #line,
                 _ condition: (Session.Snapshot) -> Bool) -> Session.Snapshot {
        session.waitFor(what, seconds: seconds ?? patience, file: file, line: line, condition)
    }

    /// A plane through three `.small` nets at their initial weights (seeds 1-3), saved in the
    /// project folder and opened by a started session showing it (`evalImages` per split): the
    /// caller stops the session.
    func openThreeModelPlane(evalImages: Int) throws -> (plane: DirectionPlane, models: [[Float]], session: Session, opened: Session.Snapshot) {
        let models = (1...3).map { seed -> [Float] in
            var rng = Xoshiro256(seed: UInt64(seed))
            return ParameterLayout(.small).initialWeights(using: &rng)
        }
        let plane = try DirectionPlane.through(models[0], models[1], models[2], net: .small, dataset: .fashionMNIST, sources: ["a", "b", "c"])
        let path = home + "/Checkpoints/three.safetensors"
        try plane.write(to: path)
        let options = Session.Options(
            config: .tiny, pattern: .ring(size: 8), evalImages: evalImages, workers: 2, folders: ProjectFolders(root: home), checkpoint: path)
        let session = Session(options: options)
        session.start()
        let opened = waitFor(session, "the fixed plane") { $0.training.fixedPlane != nil }
        return (plane, models, session, opened)
    }
}
