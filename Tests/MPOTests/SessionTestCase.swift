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
}
