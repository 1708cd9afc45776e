import Engine
import Foundation
import XCTest
@testable import Explorer
@testable import MPO

/// Every question that could throw work away counts both planes, and saving saves both; the
/// recovery offer at start resumes, discards (real files) or keeps them.
final class UnsavedPlanesDialogTests: XCTestCase {
    /// The case: 380 plain steps, `b`, 22 BatchNorm steps.
    func stateWithBothPlanes() throws -> AppState {
        var state = try Fixtures.state(self)
        var s = state.snapshot!
        s.version += 1
        s.training.config = s.training.config.with(batchNorm: true)
        s.training.step = 22
        s.training.unsavedSteps = 22
        s.training.planes = [.init(batchNorm: false, step: 380, unsavedSteps: 380), .init(batchNorm: true, step: 22, unsavedSteps: 22)]
        _ = state.update(s)
        _ = state.takeCommands()
        return state
    }

    func message(_ state: AppState) -> String? {
        if case .confirm(let c) = state.overlay { return c.message + " | " + c.choices.map(\.label).joined(separator: " | ") }
        return nil
    }

    func testQuitNamesBothPlanesAndQuittingSaysWhatIsLost() throws {
        var state = try stateWithBothPlanes()
        state.press("q")
        let text = try XCTUnwrap(message(state))
        XCTAssertTrue(text.contains("380 trained steps of the plain plane and 22 of the BatchNorm plane are not saved"), text)
        XCTAssertTrue(text.contains("save both planes, then quit"), text)
        XCTAssertTrue(text.contains("402 steps lost"), text)
        state.press("q")
        XCTAssertEqual(state.exitCode, 0)
        XCTAssertEqual(state.farewell, "quit without saving 380 trained steps of the plain plane and 22 trained steps of the BatchNorm plane")
    }

    func testSaveAnswerSavesBothThenQuits() throws {
        var state = try stateWithBothPlanes()
        state.press("q", "s")
        guard case .save(nil) = state.takeCommands().first else { return XCTFail("no save") }
        var s = state.snapshot!
        s.version += 1
        s.training.step += 1  // training went on while saving: the count of saves decides, not the steps
        s.training.planes = [.init(batchNorm: false, step: 380, unsavedSteps: 0, lastSavedPath: state.folders.checkpoints + "/a.safetensors"),
                    .init(batchNorm: true, step: 23, unsavedSteps: 1, lastSavedPath: state.folders.checkpoints + "/b.safetensors")]
        _ = state.update(s)
        XCTAssertNil(state.exitCode, "no save completed yet")
        s.version += 1
        s.training.savesCompleted = 1
        _ = state.update(s)
        XCTAssertEqual(state.exitCode, 0)
        XCTAssertEqual(state.farewell, "saved Checkpoints/a.safetensors and Checkpoints/b.safetensors")
    }

    func testOpenPickAndTrainAskAboutBothPlanes() throws {
        var state = try stateWithBothPlanes()
        state.press("p", "Enter")  // pick a pattern
        var text = try XCTUnwrap(message(state))
        XCTAssertTrue(text.contains("380 trained steps of the plain plane and 22 of the BatchNorm plane"), text)
        XCTAssertTrue(text.contains("save both planes first") && text.contains("discard 402 steps"), text)
        state.press("s")
        let commands = state.takeCommands()
        guard case .save(nil) = commands.first, case .train = commands.last else { return XCTFail("save, then train: \(commands)") }

        state = try stateWithBothPlanes()
        state.replacePlane(.open(path: "/x.safetensors"), now: Date())  // the browser's Enter
        text = try XCTUnwrap(message(state))
        XCTAssertTrue(text.contains("22 of the BatchNorm plane") && text.contains("replaces both planes"), text)

        state = try stateWithBothPlanes()
        state.press("e", "t")  // the editor's "train on this"
        text = try XCTUnwrap(message(state))
        XCTAssertTrue(text.contains("380 trained steps of the plain plane"), text)
    }

    // MARK: the recovery offer

    /// Real recovery files of an ended session with two planes, made the way a session makes them.
    func endedSession(in folders: ProjectFolders) throws -> RecoveredSession {
        let store = RecoveryStore(folders: folders, session: "99-1")
        for bn in [false, true] {
            var c = TrainingConfig.tiny.with(batchNorm: bn)
            c.batchSize = 8
            let layout = ParameterLayout(c.net)
            var rng = Xoshiro256(seed: 1)
            let plane = Plane(layout: layout, height: 12, width: 12, rng: &rng)
            var adam = Adam(count: 3 * layout.count + 1, learningRate: c.learningRate)
            adam.step = bn ? 22 : 380
            let checkpoint = Checkpoint(config: c, pattern: Fixtures.pattern, state: .init(plane: plane, adam: adam, rng: rng))
            store.write(checkpoint, unsavedSteps: adam.step, savedPath: nil, plane: bn ? "bn" : "plain", wait: true)
        }
        store.close()
        return try XCTUnwrap(RecoveredSession.list(in: folders).first)
    }

    func testRecoveryOfferResumes() throws {
        let folders = try Fixtures.folders(self)
        var state = try Fixtures.state(self, folders: folders)
        let ended = try endedSession(in: folders)
        state.offerRecovery([ended], train: true)
        let text = try XCTUnwrap(message(state))
        XCTAssertTrue(text.contains(", plain, 380 steps, ") && text.contains(", BatchNorm, 22 steps, "), text)
        XCTAssertTrue(text.contains("resume both planes | discard | keep for later"), text)
        state.press("r")
        guard case .recover(let r) = state.takeCommands().first else { return XCTFail("no recover command") }
        XCTAssertEqual(r.session, "99-1")
        XCTAssertNil(state.overlay)
    }

    func testRecoveryOfferDiscardsOrKeeps() throws {
        let folders = try Fixtures.folders(self)
        var state = try Fixtures.state(self, folders: folders)
        let ended = try endedSession(in: folders)
        state.offerRecovery([ended], train: true)
        state.press("Esc")  // keep for later
        guard case .setPaused(false) = state.takeCommands().first else { return XCTFail("training does not resume") }
        XCTAssertTrue(ended.planes.allSatisfy { FileManager.default.fileExists(atPath: $0.path) })
        XCTAssertEqual(RecoveredSession.list(in: folders).count, 1, "offered again next time")

        state.offerRecovery([ended], train: false)
        state.press("d")
        XCTAssertTrue(state.takeCommands().isEmpty, "started with --paused: stays paused")
        XCTAssertFalse(ended.planes.contains { FileManager.default.fileExists(atPath: $0.path) })
        XCTAssertTrue(RecoveredSession.list(in: folders).isEmpty)
    }
}
