import Engine
import Foundation
import TestSupport
import XCTest
@testable import MPO

/// A session's recovery files: brought up to date when it stops on a signal, taken over by the
/// next session (both planes, their unsaved steps), removed by saving both planes or by quitting
/// without saving.
final class SessionRecoveryTests: SessionTestCase {

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    func testBothPlanesAreRecoveredAndSavedTogether() throws {
        let store = RecoveryStore(folders: folders, session: "10-1")
        let first = Session.started(in: folders, evalImages: 32, recovery: store)
        waitFor(first, "plain steps") { $0.training.step >= 3 }
        first.send(.toggleBatchNorm)
        waitFor(first, "BatchNorm steps") { $0.training.batchNorm && $0.training.step >= 2 }
        first.send(.setPaused(true))
        let before = waitFor(first, "the pause") { $0.status == .paused }
        XCTAssertEqual(before.training.planes.map(\.name), ["plain", "BatchNorm"])
        XCTAssertEqual(before.training.totalUnsavedSteps, before.training.planes.map(\.step).reduce(0, +))
        first.stop(recovery: .write)
        store.close()

        let ended = RecoveredSession.list(in: folders)
        XCTAssertEqual(ended.count, 1)
        let planes = try XCTUnwrap(ended.first).planes
        XCTAssertEqual(planes.map(\.batchNorm), [false, true])
        XCTAssertEqual(planes.map(\.step), before.training.planes.map(\.step), "the files hold the state at the stop")
        XCTAssertEqual(planes.map(\.unsavedSteps), before.training.planes.map(\.unsavedSteps))

        let store2 = RecoveryStore(folders: folders, session: "11-1")
        let second = Session.started(in: folders, evalImages: 32, paused: true, recovery: store2)
        defer { second.stop() }
        second.send(.recover(ended[0]))
        let recovered = waitFor(second, "the recovered planes") { $0.training.planes.count == 2 && $0.messages.last?.text.hasPrefix("recovered") == true }
        XCTAssertEqual(recovered.training.planes.map(\.step), before.training.planes.map(\.step))
        XCTAssertEqual(recovered.training.planes.map(\.unsavedSteps), before.training.planes.map(\.unsavedSteps))
        XCTAssertTrue(recovered.training.paused)
        XCTAssertFalse(planes.contains { exists($0.path) }, "the ended session's files are taken over")
        XCTAssertTrue(exists(store2.path(plane: "plain")) && exists(store2.path(plane: "bn")))
        XCTAssertTrue(RecoveredSession.list(in: folders).isEmpty, "nothing left to offer while this one runs")

        second.send(.save(name: nil))
        let saved = waitFor(second, "both saves") { $0.training.savesCompleted == 1 }
        XCTAssertEqual(saved.training.totalUnsavedSteps, 0)
        XCTAssertEqual(saved.training.planes.compactMap(\.lastSavedPath).count, 2)
        store2.flush()
        XCTAssertFalse(exists(store2.path(plane: "plain")) || exists(store2.path(plane: "bn")), "saving removes the recovery files")
        for path in saved.training.planes.compactMap(\.lastSavedPath) { XCTAssertNoThrow(try Checkpoint.read(path: path)) }
    }

    func testQuitWithoutSavingRemovesTheRecoveryFiles() throws {
        let store = RecoveryStore(folders: folders, session: "12-1")
        let session = Session.started(in: folders, evalImages: 32, recovery: store)
        waitFor(session, "steps") { $0.training.step >= 2 }
        session.stop(recovery: .write)
        XCTAssertTrue(exists(store.path(plane: "plain")))
        // a session that quits without saving, after one that wrote its files
        let store2 = RecoveryStore(folders: folders, session: "13-1")
        let other = Session.started(in: folders, evalImages: 32, recovery: store2)
        waitFor(other, "steps") { $0.training.step >= 2 }
        other.stop(recovery: .write)
        XCTAssertTrue(exists(store2.path(plane: "plain")))
        let again = Session.started(in: folders, evalImages: 32, recovery: store2)
        waitFor(again, "steps") { $0.training.step >= 1 }
        again.stop(recovery: .discard)
        store2.close()
        XCTAssertFalse(exists(store2.path(plane: "plain")))
        XCTAssertFalse(exists(store2.lockPath), "a normal end leaves nothing")
        store.close()
        XCTAssertEqual(RecoveredSession.list(in: folders).map(\.session), ["12-1"], "another session's files stay")
    }
}
