import Engine
import Foundation
import MPO
import TestSupport
import XCTest

/// A Session driven as the explorer drives it: commands in, snapshots polled with a deadline.
final class SessionDriver {
    let session: Session

    init(session: Session) { self.session = session }

    /// The tiny net on a ring pattern, 64 evaluation images, in `home`; `poison`: a NaN into the
    /// plane after the steps it says.
    static func start(home: String, paused: Bool = false, learningRate: Float? = nil, pattern: Pattern = .ring(size: 8),
                      poison: (@Sendable (_ step: Int) -> Bool)? = nil) -> SessionDriver {
        SessionDriver(session: .started(in: ProjectFolders(root: home), pattern: pattern, learningRate: learningRate, paused: paused, poison: poison))
    }

    func send(_ command: Session.Command) { session.send(command) }
    func stop() { session.stop() }
    var snapshot: Session.Snapshot { session.snapshot() }

    @discardableResult
    func waitFor(_ what: String, seconds: Double = 120, file: StaticString = #filePath, line: UInt = #line,
                 _ condition: (Session.Snapshot) -> Bool) -> Session.Snapshot {
        session.waitFor(what, seconds: seconds, file: file, line: line, condition)
    }
}
