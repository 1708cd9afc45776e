import Engine
import Foundation
import TestSupport
import XCTest
@testable import MPO

/// The one training loop: rollback to the last finite state, autosaves, recovery files, and the
/// BN experiment scoring a diverged run at its last finite state — with the tiny net on real
/// FashionMNIST.
final class TrainingLoopTests: XCTestCase {
    static let train = try! DatasetKind.fashionMNIST.load(.train).prefix(2_000)
    var folder: String!

    override func setUpWithError() throws {
        folder = try temporaryFolder(name).path
        try FileManager.default.createDirectory(atPath: folder + "/Checkpoints", withIntermediateDirectories: true)
    }

    func makeLoop(learningRate: Float? = nil, batchNorm: Bool = false) throws -> TrainingLoop<Trainer> {
        var c = TrainingConfig.tiny.with(batchNorm: batchNorm)
        c.batchSize = 16
        c.cells = 4
        if let learningRate { c.learningRate = learningRate }
        return TrainingLoop(trainer: try Trainer(config: c, pattern: .ring(size: 8), train: Self.train, workers: 2))
    }

    func testANonFiniteStepIsRolledBackAndTrainingStops() throws {
        let loop = try makeLoop()
        // A NaN in the plane after step 4, as a real blow-up would put there.
        loop.fault = { step, s in if step == 4 { s.plane.parameters[s.plane.parameters.count / 2] = .nan } }
        let d = loop.train(until: 10)
        XCTAssertEqual(d?.step, 4)
        XCTAssertEqual(d?.keptStep, 3)
        XCTAssertEqual(loop.step, 3, "the last finite state is kept")
        XCTAssertEqual(loop.unsavedSteps, 3)
        XCTAssertTrue(loop.trainer.plane.parameters.allSatisfy(\.isFinite))
        loop.fault = nil
        guard case .failure = loop.advance() else { return XCTFail("stepped on after a divergence") }
        XCTAssertEqual(loop.step, 3)
        XCTAssertTrue(d?.description.contains("diverged at step 4") ?? false)
    }

    func testAHugeLearningRateDivergesForRealAndKeepsAFiniteState() throws {
        let loop = try makeLoop(learningRate: 1e35)
        let d = try XCTUnwrap(loop.train(until: 200), "lr 1e35 diverges")
        XCTAssertEqual(loop.step, d.keptStep)
        let path = folder + "/kept.safetensors"
        try loop.save(to: path)
        XCTAssertEqual(try Checkpoint.read(path: path).step, d.keptStep)
    }

    func testAutosaveEveryNStepsAndThroughput() throws {
        let loop = try makeLoop()
        let path = folder + "/auto.safetensors"
        loop.autosave = .init(path: path, everySteps: 3)
        var saves = 0
        loop.onAutosave = { error in XCTAssertNil(error); saves += 1 }
        XCTAssertNil(loop.train(until: 7))
        XCTAssertEqual(saves, 2)
        XCTAssertEqual(try Checkpoint.read(path: path).step, 6)
        XCTAssertEqual(loop.unsavedSteps, 1)
        XCTAssertEqual(loop.lastSavedPath, path)
        XCTAssertGreaterThan(loop.throughput.stepsPerComputeSecond, 0)
        XCTAssertGreaterThan(loop.throughput.cellImagesPerSecond, 0)
        XCTAssertGreaterThan(loop.throughput.stepsPerSecond, 0)
    }

    /// Recovery files: written every N steps in the background while steps are unsaved, up to
    /// date after a flush, listed once their session's lock is free, gone after a save.
    func testRecoveryFilesFollowUnsavedSteps() throws {
        let folders = ProjectFolders(root: folder)
        let store = RecoveryStore(folders: folders, session: "1-1")
        let loop = try makeLoop()
        loop.recovery = .init(store: store, plane: "plain", everySteps: 5, everySeconds: 3600)
        let path = store.path(plane: "plain")
        XCTAssertNil(loop.train(until: 4))
        store.flush()
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "nothing before 5 steps")
        XCTAssertNil(loop.train(until: 5))
        store.flush()
        XCTAssertEqual(try Checkpoint.read(path: path).step, 5)
        XCTAssertTrue(RecoveredSession.list(in: folders).isEmpty, "a running session's files are not offered")

        XCTAssertNil(loop.train(until: 7))
        loop.flushRecovery()
        let listed = try XCTUnwrap(RecoveredSession.describe(path))
        XCTAssertEqual(listed.step, 7)
        XCTAssertEqual(listed.unsavedSteps, 7)
        XCTAssertFalse(listed.batchNorm)

        try loop.save(to: folder + "/Checkpoints/saved.safetensors")
        store.flush()
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "a save removes the recovery file")
        XCTAssertNil(loop.train(until: 8))
        loop.flushRecovery()
        let again = try RecoveredSession.describe(path)
        XCTAssertEqual(again.unsavedSteps, 1)
        XCTAssertEqual(again.savedPath, folder + "/Checkpoints/saved.safetensors")

        store.close()  // as if the process ended with the file in place
        let ended = RecoveredSession.list(in: folders)
        XCTAssertEqual(ended.map(\.session), ["1-1"])
        XCTAssertEqual(ended.first?.planes.first?.summary.hasPrefix("ring"), true)
        ended.first?.discard()
        XCTAssertTrue(try FileManager.default.contentsOfDirectory(atPath: store.folder).isEmpty)
    }

    /// A time-based recovery write happens with fewer steps than the step interval.
    func testRecoveryIsWrittenByTimeToo() throws {
        let store = RecoveryStore(folders: ProjectFolders(root: folder), session: "2-2")
        let loop = try makeLoop()
        loop.recovery = .init(store: store, plane: "bn", everySteps: 1000, everySeconds: 0.2)
        XCTAssertNil(loop.train(until: 1))
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: store.path(plane: "bn")) && Date() < deadline {
            loop.keepRecovery()
            store.flush()
            usleep(20_000)
        }
        XCTAssertEqual(try Checkpoint.read(path: store.path(plane: "bn")).step, 1)
    }

    /// The experiment's runs go through the loop: a diverging run records where and is scored at
    /// its last finite state (a number, not NaN).
    func testExperimentScoresADivergedRunAtItsLastFiniteState() throws {
        var settings = BNExperimentTests.tiny
        settings.learningRate = 1e35
        settings.steps = 200
        let run = BNExperiment.Run(p: 0.5, variant: .plain, seed: 1)
        let evaluator = try Evaluator(net: settings.config(.plain, seed: 1).net, data: BNExperimentTests.data.test, workers: 2)
        let record = try BNExperiment.perform(run, settings: settings, train: Self.train, evaluator: evaluator, workers: 2)
        XCTAssertGreaterThan(record.divergedAt, 0)
        XCTAssertEqual(record.steps, record.divergedAt - 1)
        XCTAssertTrue(record.gap.isFinite && record.blackAccuracy.isFinite, "scored at a finite state: \(record)")
    }
}
