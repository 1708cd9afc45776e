import Engine
import Foundation
import TestSupport
import XCTest
@testable import MPO

/// A plane of a net described as text, saved by the explorer's session and opened again (what
/// `mpo view` does): it comes back with its own net, whatever the session ran before.
extension SessionTests {
    func testAPlaneOfAUserNetReopensWithItsNet() throws {
        let net = try ModelSpec(parsing: "conv 3,6 bn pool; avgpool 3; dense 10")
        let first = Session.started(in: folders, net: net, batch: 16, cells: 2, evalImages: 32)
        waitFor(first, "some steps") { $0.training.step >= 2 }
        first.send(.setPaused(true))
        let settled = waitFor(first, "the map to catch up") { $0.status == .paused && $0.map.completeStep == $0.training.step }
        first.send(.save(name: "own"))
        let saved = waitFor(first, "the save") { $0.training.lastSavedPath != nil }
        first.stop()
        XCTAssertEqual(try Checkpoint.read(path: saved.training.lastSavedPath!).config.net, net)

        let second = Session.started(in: folders, paused: true)  // the tiny preset's net
        defer { second.stop() }
        second.send(.open(path: saved.training.lastSavedPath!))
        waitFor(second, "the opened plane") { $0.training.step == settled.training.step && $0.training.pattern.width == 8 }
        second.send(.setPaused(false))
        waitFor(second, "training on") { $0.training.step > settled.training.step }
        second.send(.setPaused(true))
        waitFor(second, "paused") { $0.status == .paused }
        second.send(.save(name: "own-again"))
        let again = waitFor(second, "the second save") { $0.training.lastSavedPath?.hasSuffix("own-again.safetensors") == true }
        XCTAssertEqual(try Checkpoint.read(path: again.training.lastSavedPath!).config.net, net, "the opened plane trained on with its own net")
    }
}
