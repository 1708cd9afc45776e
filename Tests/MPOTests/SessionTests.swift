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
        let s = waitFor(session, "a complete map after some training") { $0.completeStep != nil && $0.step >= 3 }
        XCTAssertEqual(s.status, .training)
        XCTAssertEqual(s.heatmap.evaluatedCount, 64)
        XCTAssertGreaterThan(s.cellImagesPerSecond, 0)
        waitFor(session, "a gap score") { !$0.scores.isEmpty }
    }

    func testPauseSaveOpenAndToggles() throws {
        let session = Session.started(in: folders)
        defer { session.stop() }
        waitFor(session, "some steps") { $0.step >= 2 }
        session.send(.setPaused(true))
        let paused = waitFor(session, "paused") { $0.status == .paused }
        // Once paused and the map has caught up, the step no longer moves.
        let settled = waitFor(session, "the map to catch up") { $0.completeStep == $0.step }
        XCTAssertGreaterThanOrEqual(settled.step, paused.step)
        session.send(.save(name: "mine"))
        let saved = waitFor(session, "the save") { $0.lastSavedPath != nil }
        XCTAssertEqual(saved.lastSavedPath, home + "/Checkpoints/mine.safetensors")
        XCTAssertEqual(saved.unsavedSteps, 0)
        XCTAssertEqual(try Checkpoint.read(path: saved.lastSavedPath!).step, settled.step)

        session.send(.save(name: "../escape"))
        waitFor(session, "the refusal") { $0.messages.last?.isError == true }
        XCTAssertFalse(FileManager.default.fileExists(atPath: home + "/escape.safetensors"))

        session.send(.toggleBatchNorm)
        let bn = waitFor(session, "the BN plane") { $0.batchNorm }
        XCTAssertEqual(bn.step, 0, "the BN plane starts fresh")
        session.send(.toggleBatchNorm)
        let plain = waitFor(session, "the plain plane again") { !$0.batchNorm }
        XCTAssertEqual(plain.step, settled.step, "the plain plane kept its state")

        session.send(.setSplit(.train))
        waitFor(session, "a train map") { $0.split == .train && $0.completeStep != nil }
        session.send(.probe(row: 1.5, col: 2))
        let probed = waitFor(session, "the probe") { $0.probe != nil }
        XCTAssertEqual(probed.probe!.row, 1.5)
        XCTAssertTrue((0...1).contains(probed.probe!.testAccuracy))

        session.send(.train(.squareOutline(size: 6)))
        waitFor(session, "the new pattern") { $0.pattern.width == 6 && $0.step == 0 }
        session.send(.open(path: saved.lastSavedPath!))
        let opened = waitFor(session, "the opened plane") { $0.pattern.width == 8 && $0.step == settled.step }
        XCTAssertTrue(opened.paused)
    }

    /// The default checkpoint name is always one SafeName accepts, whatever the pattern is called.
    func testDefaultSaveNameFromAnyPatternName() {
        var pattern = Pattern.ring(size: 8)
        pattern.name = "Schlüssel ☃ " + String(repeating: "long", count: 30)
        let session = Session.started(in: folders, pattern: pattern, batch: 16, cells: 2, evalImages: 16, workers: 1, paused: true)
        defer { session.stop() }
        waitFor(session, "the session") { $0.status == .paused }
        session.send(.save(name: nil))
        let s = waitFor(session, "the save") { $0.lastSavedPath != nil || $0.messages.last?.isError == true }
        XCTAssertNotNil(s.lastSavedPath, "\(s.messages.map(\.text))")
        XCTAssertTrue(s.lastSavedPath?.hasPrefix(home + "/Checkpoints/Schlssel") == true, "\(s.lastSavedPath ?? "")")
    }
}
