import Foundation
import TestSupport
import XCTest
@testable import Engine
@testable import MPO

/// NaN or infinity in a step is caught at that step: training pauses with the reason in the
/// session's status, the last finite plane is kept and can be saved, and nothing non-finite is
/// ever written as a checkpoint.
final class DivergenceTests: XCTestCase {
    func assertFiniteCheckpoint(_ path: String, step: Int? = nil, file: StaticString = #filePath, line: UInt = #line) {
        do {
            let c = try Checkpoint.read(path: path)
            XCTAssertTrue(c.state.plane.parameters.allSatisfy(\.isFinite), file: file, line: line)
            XCTAssertTrue(c.state.adam.m.allSatisfy(\.isFinite) && c.state.adam.v.allSatisfy(\.isFinite), file: file, line: line)
            if let step { XCTAssertEqual(c.step, step, file: file, line: line) }
        } catch {
            XCTFail("\(path) does not load: \(error)", file: file, line: line)
        }
    }

    /// A NaN put into the plane after step 5 (as a real blow-up would): status `.diverged` with
    /// the message, step 4's state kept, resuming refused, saving the kept state works.
    func testInjectedNaNIsCaughtAtOnce() throws {
        let s = try TemporaryFolder()
        defer { withExtendedLifetime(s) {} }
        let home = try s.makeHome()
        let session = SessionDriver.start(home: home, poison: { $0 >= 5 })
        defer { session.stop() }
        let diverged = session.waitFor("divergence") { if case .diverged = $0.status { return true } else { return false } }
        guard case .diverged(let message) = diverged.status else { return }
        XCTAssertTrue(message.contains("diverged at step 5"), message)
        XCTAssertTrue(message.contains("kept step 4"), message)
        XCTAssertEqual(diverged.training.step, 4)
        XCTAssertTrue(diverged.training.paused)
        XCTAssertEqual(diverged.messages.last?.isError, true)

        session.send(.setPaused(false))
        let refused = session.waitFor("the refusal to resume") { $0.messages.last?.text.contains("cannot resume") == true }
        XCTAssertEqual(refused.training.step, 4)
        guard case .diverged = refused.status else { return XCTFail("status \(refused.status)") }

        session.send(.save(name: "kept"))
        let saved = session.waitFor("the save") { $0.training.lastSavedPath != nil }
        assertFiniteCheckpoint(try XCTUnwrap(saved.training.lastSavedPath), step: 4)
        // The map of the kept plane still completes: the explorer keeps drawing.
        session.waitFor("a complete map of step 4") { $0.map.completeStep == 4 }
        usleep(300_000)
        XCTAssertEqual(session.snapshot.training.step, 4, "no training after divergence")
    }

    /// The injected NaN is the poisoned session's own (`Session.Options.poison`, not a static of
    /// the engine): a session beside it in the same process trains on past the step.
    func testInjectedNaNStaysInItsSession() throws {
        let s = try TemporaryFolder()
        defer { withExtendedLifetime(s) {} }
        let poisoned = SessionDriver.start(home: try s.makeHome("poisoned"), poison: { $0 >= 5 })
        defer { poisoned.stop() }
        let clean = SessionDriver.start(home: try s.makeHome("clean"))
        defer { clean.stop() }
        let diverged = poisoned.waitFor("divergence") { if case .diverged = $0.status { return true } else { return false } }
        XCTAssertEqual(diverged.training.step, 4)
        let beyond = clean.waitFor("the clean session past step 8") { $0.training.step >= 8 || $0.status != .training && $0.status != .loading }
        XCTAssertEqual(beyond.status, .training, "\(beyond.messages.map(\.text))")
        XCTAssertGreaterThanOrEqual(beyond.training.step, 8)
    }

    /// A learning rate of 1e35 blows the plane up for real within a few steps.
    func testHugeLearningRateIsCaught() throws {
        let s = try TemporaryFolder()
        defer { withExtendedLifetime(s) {} }
        let home = try s.makeHome()
        let session = SessionDriver.start(home: home, learningRate: 1e35)
        defer { session.stop() }
        let diverged = session.waitFor("divergence") { if case .diverged = $0.status { return true } else { return false } }
        guard case .diverged(let message) = diverged.status else { return }
        XCTAssertTrue(message.contains("diverged"), message)
        session.send(.save(name: nil))
        let saved = session.waitFor("the save") { $0.training.lastSavedPath != nil }
        assertFiniteCheckpoint(try XCTUnwrap(saved.training.lastSavedPath), step: diverged.training.step)
    }

    /// Checkpoint.write refuses NaN or infinity anywhere in the plane or the optimiser, and the
    /// good file already at the path stays as it was.
    func testNonFiniteStateIsNeverWritten() throws {
        let s = try TemporaryFolder()
        defer { withExtendedLifetime(s) {} }
        let path = s.file("good.safetensors")
        let good = SeedCorpus.tinyCheckpoint()
        try good.write(to: path)
        let bytes = FileManager.default.contents(atPath: path)
        let poisons: [(String, (inout Checkpoint) -> Void)] = [
            ("NaN origin", { $0.state.plane.parameters[0] = .nan }),
            ("inf scale", { $0.state.plane.parameters[$0.state.plane.parameters.count - 1] = .infinity }),
            ("-inf up", { $0.state.plane.parameters[$0.state.plane.parameters.count - 2] = -.infinity }),
            ("NaN adam m", { $0.state.adam.m[3] = .nan }),
            ("inf adam v", { $0.state.adam.v[0] = .infinity }),
        ]
        for (name, poison) in poisons {
            var c = good
            poison(&c)
            XCTAssertThrowsError(try c.write(to: path), name) { XCTAssertTrue("\($0)".contains("not saved"), "\($0)") }
            XCTAssertEqual(FileManager.default.contents(atPath: path), bytes, name)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: s.path), ["good.safetensors"], "no temporary left")
    }

    /// `mpo train` with a learning rate that explodes: exit status 1, a message naming the step,
    /// and the last finite state saved where --save said.
    func testTrainCommandSavesTheLastFiniteState() throws {
        guard mpoBinary != nil, fashionMNISTAvailable else { throw XCTSkip("needs the mpo binary and Fashion-MNIST") }
        let s = try TemporaryFolder()
        defer { withExtendedLifetime(s) {} }
        let home = try s.makeHome()
        let (code, output) = try runMPO(
            ["train", "ring", "--preset", "tiny", "--lr", "1e35", "--steps", "60", "--save", "blowup", "--eval-images", "50", "--preview-every", "0"],
            environment: ["LOSSPATTERNS_HOME": home], in: s)
        XCTAssertEqual(code, 1, output)
        XCTAssertTrue(output.contains("training diverged at step"), output)
        XCTAssertTrue(output.contains("saved to \(home)/Checkpoints/blowup.safetensors"), output)
        assertFiniteCheckpoint(home + "/Checkpoints/blowup.safetensors")
    }
}
