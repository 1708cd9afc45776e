import Engine
import Foundation
import MPO
import XCTest

/// A Session driven as the explorer drives it: commands in, snapshots polled with a deadline.
final class SessionDriver {
    let session: Session

    init(session: Session) { self.session = session }

    /// The tiny net on a ring pattern, 64 evaluation images, in `home`.
    static func start(home: String, paused: Bool = false, learningRate: Float? = nil, pattern: Pattern = .ring(size: 8)) -> SessionDriver {
        var c = TrainingConfig.tiny
        c.batchSize = 32
        c.cells = 4
        if let learningRate { c.learningRate = learningRate }
        let options = Session.Options(
            config: c, pattern: pattern, evalImages: 64, workers: 2, folders: ProjectFolders(root: home), startPaused: paused)
        let session = Session(options: options)
        session.start()
        return SessionDriver(session: session)
    }

    func send(_ command: Session.Command) { session.send(command) }
    func stop() { session.stop() }
    var snapshot: Session.Snapshot { session.snapshot() }

    @discardableResult
    func waitFor(_ what: String, seconds: Double = 120, file: StaticString = #filePath, line: UInt = #line,
                 _ condition: (Session.Snapshot) -> Bool) -> Session.Snapshot {
        let deadline = Date().addingTimeInterval(seconds)
        var s = session.snapshot()
        while !condition(s) {
            if Date() > deadline {
                XCTFail("timed out waiting for \(what); status \(s.status), step \(s.step), messages \(s.messages.map(\.text))", file: file, line: line)
                return s
            }
            usleep(20_000)
            s = session.snapshot()
        }
        return s
    }
}
