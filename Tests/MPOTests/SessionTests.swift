import Engine
import Foundation
import TestSupport
import XCTest
@testable import MPO

/// The session on its compute thread, driven like the UI drives it: commands in, snapshots out.
final class SessionTests: SessionTestCase {
    func testTrainsAndCompletesMaps() {
        let session = Session.started(in: folders)
        defer { session.stop() }
        let s = waitFor(session, "a complete map after some training") { $0.map.completeStep != nil && $0.training.step >= 3 }
        XCTAssertEqual(s.status, .training)
        XCTAssertEqual(s.map.heatmap.evaluatedCount, 64)
        XCTAssertGreaterThan(s.training.cellImagesPerSecond, 0)
        waitFor(session, "a gap score") { !$0.training.scores.isEmpty }
    }

    func testPauseSaveOpenAndToggles() throws {
        let session = Session.started(in: folders)
        defer { session.stop() }
        waitFor(session, "some steps") { $0.training.step >= 2 }
        session.send(.setPaused(true))
        let paused = waitFor(session, "paused") { $0.status == .paused }
        // Once paused and the map has caught up, the step no longer moves.
        let settled = waitFor(session, "the map to catch up") { $0.map.completeStep == $0.training.step }
        XCTAssertGreaterThanOrEqual(settled.training.step, paused.training.step)
        session.send(.save(name: "mine"))
        let saved = waitFor(session, "the save") { $0.training.lastSavedPath != nil }
        XCTAssertEqual(saved.training.lastSavedPath, home + "/Checkpoints/mine.safetensors")
        XCTAssertEqual(saved.training.unsavedSteps, 0)
        XCTAssertEqual(try Checkpoint.read(path: saved.training.lastSavedPath!).step, settled.training.step)

        session.send(.save(name: "../escape"))
        waitFor(session, "the refusal") { $0.messages.last?.isError == true }
        XCTAssertFalse(FileManager.default.fileExists(atPath: home + "/escape.safetensors"))

        session.send(.toggleBatchNorm)
        let bn = waitFor(session, "the BN plane") { $0.training.batchNorm }
        XCTAssertEqual(bn.training.step, 0, "the BN plane starts fresh")
        session.send(.toggleBatchNorm)
        let plain = waitFor(session, "the plain plane again") { !$0.training.batchNorm }
        XCTAssertEqual(plain.training.step, settled.training.step, "the plain plane kept its state")

        session.send(.setSplit(.train))
        waitFor(session, "a train map") { $0.map.split == .train && $0.map.completeStep != nil }
        session.send(.probe(row: 1.5, col: 2))
        let probed = waitFor(session, "the probe") { $0.probe != nil }
        XCTAssertEqual(probed.probe!.row, 1.5)
        XCTAssertTrue((0...1).contains(probed.probe!.testAccuracy))

        session.send(.train(.squareOutline(size: 6)))
        waitFor(session, "the new pattern") { $0.training.pattern.width == 6 && $0.training.step == 0 }
        session.send(.open(path: saved.training.lastSavedPath!))
        let opened = waitFor(session, "the opened plane") { $0.training.pattern.width == 8 && $0.training.step == settled.training.step }
        XCTAssertTrue(opened.training.paused)
    }

    /// The default checkpoint name is always one SafeName accepts, whatever the pattern is called.
    func testDefaultSaveNameFromAnyPatternName() {
        var pattern = Pattern.ring(size: 8)
        pattern.name = "Schlüssel ☃ " + String(repeating: "long", count: 30)
        let session = Session.started(in: folders, pattern: pattern, batch: 16, cells: 2, evalImages: 16, workers: 1, paused: true)
        defer { session.stop() }
        waitFor(session, "the session") { $0.status == .paused }
        session.send(.save(name: nil))
        let s = waitFor(session, "the save") { $0.training.lastSavedPath != nil || $0.messages.last?.isError == true }
        XCTAssertNotNil(s.training.lastSavedPath, "\(s.messages.map(\.text))")
        XCTAssertTrue(s.training.lastSavedPath?.hasPrefix(home + "/Checkpoints/Schlssel") == true, "\(s.training.lastSavedPath ?? "")")
    }
}
