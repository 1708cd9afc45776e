import Foundation
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
        home = NSTemporaryDirectory() + "\(type(of: self))-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: home + "/Patterns", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: home + "/Checkpoints", withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        SessionEngine.testingMeasurement = nil
        SessionEngine.testingChunkPositions = nil
        try? FileManager.default.removeItem(atPath: home)
    }

    /// Polls the snapshot until `condition` holds or the deadline passes (then fails, saying what
    /// the session was doing).
    @discardableResult
    func waitFor(_ session: Session, _ what: String, seconds: Double? = nil, _ condition: (Session.Snapshot) -> Bool) -> Session.Snapshot {
        let deadline = Date().addingTimeInterval(seconds ?? patience)
        var s = session.snapshot()
        while !condition(s) {
            if Date() > deadline {
                XCTFail("timed out waiting for \(what); status \(s.status), step \(s.step), live \(s.live), messages \(s.messages.map(\.text))")
                return s
            }
            usleep(5_000)
            s = session.snapshot()
        }
        return s
    }
}
