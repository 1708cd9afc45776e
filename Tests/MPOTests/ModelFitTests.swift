import Engine
import Foundation
import TestSupport
import XCTest
@testable import MPO

/// `mpo fit`'s model file and trainer, and `mpo transect`'s profile.
final class ModelFitTests: XCTestCase {
    static let data: (train: Dataset, test: Dataset) = {
        let train = try! DatasetKind.fashionMNIST.load(.train).prefix(2000)
        let test = try! DatasetKind.fashionMNIST.load(.test).prefix(300)
        return (train, test)
    }()

    func settings(_ optimizer: Optimizer.Kind = .adam) -> ModelFile.Settings {
        var s = ModelFile.Settings()
        s.optimizer = optimizer
        s.learningRate = optimizer == .adam ? 3e-3 : 0.05
        s.batchSize = 32
        s.seed = 11
        return s
    }

    /// A BatchNorm net keeps running statistics as PyTorch's train mode does: each step folds its
    /// batch's mean and unbiased variance in with momentum 0.1, counted in num_batches_tracked;
    /// a net without BatchNorm has none.
    func testBatchNormFitTracksRunningStatisticsAsPyTorch() throws {
        let net = ModelSpec.small.with(batchNorm: true)
        let model = ModelTrainer.initial(net: net, settings: settings())
        let layout = StatisticsLayout(net)
        XCTAssertEqual(model.statistics, layout.initial)
        XCTAssertNil(ModelTrainer.initial(net: .small, settings: settings()).statistics)
        let trainer = try ModelTrainer(model: model, train: Self.data.train, workers: 2)
        var expected = layout.initial
        for step in 0..<3 {
            // The batch the step draws, from a copy of the model's generator, through the weights before the step.
            var rng = trainer.model.rng
            var sampler = MinibatchSampler(dataset: Self.data.train, batchSize: 32)
            sampler.next(using: &rng)
            let network = try Network(spec: net, capacity: 32)
            var batch = [Float](repeating: 0, count: layout.count)
            sampler.images.withUnsafeBufferPointer { x in
                trainer.model.weights.withUnsafeBufferPointer { w in
                    network.forward(images: x.baseAddress!, count: 32, weights: w.baseAddress!)
                    batch.withUnsafeMutableBufferPointer { network.batchStatistics(into: $0.baseAddress!) }
                }
            }
            expected = zip(expected, batch).map { 0.9 * $0 + 0.1 * $1 }
            trainer.advance()
            let got = try XCTUnwrap(trainer.model.statistics)
            for (x, y) in zip(got, expected) { XCTAssertEqual(x, y, accuracy: 1e-5 * max(1, abs(y)), "step \(step + 1)") }
            XCTAssertEqual(trainer.model.batchesTracked, step + 1)
        }
        XCTAssertGreaterThan(zip(trainer.model.statistics!, layout.initial).map { abs($0 - $1) }.max()!, 0.01, "the statistics moved")
        // Saved as PyTorch's buffers, read back unchanged.
        let path = temporary("bn.safetensors")
        try trainer.model.write(to: path)
        let raw = try Safetensors.read(path: path)
        XCTAssertEqual(raw.tensors["1.running_var"]?.shape, [4])
        XCTAssertEqual(raw.tensors["1.num_batches_tracked"]?.int64s(), [3])
        XCTAssertEqual(try ModelFile.read(path: path).statistics, trainer.model.statistics)
    }

    func testModelFileRoundTripKeepsEverythingAndUsesPyTorchNames() throws {
        let trainer = try ModelTrainer(model: ModelTrainer.initial(net: .small, settings: settings()), train: Self.data.train, workers: 2)
        for _ in 0..<3 { trainer.advance() }
        let path = temporary("m.safetensors")
        try trainer.model.write(to: path)
        let back = try ModelFile.read(path: path)
        XCTAssertEqual(back.net, .small)
        XCTAssertEqual(back.weights, trainer.model.weights)
        XCTAssertEqual(back.m, trainer.model.m)
        XCTAssertEqual(back.v, trainer.model.v)
        XCTAssertEqual(back.step, 3)
        XCTAssertEqual(back.rng, trainer.model.rng)
        XCTAssertEqual(back.settings, trainer.model.settings)
        let raw = try Safetensors.read(path: path)
        XCTAssertEqual(raw.tensors["0.weight"]?.shape, [4, 1, 3, 3])
        XCTAssertEqual(raw.metadata["format"], "losspatterns-model")
        XCTAssertEqual(raw.metadata["parameters"], ParameterLayout(.small).table)
    }

    func testDamagedModelFilesAreRefusedNamingTheFile() throws {
        let path = temporary("m.safetensors")
        let model = ModelTrainer.initial(net: .tiny, settings: settings(.sgd))
        try model.write(to: path)
        XCTAssertNoThrow(try ModelFile.read(path: path))
        func refused(_ file: Safetensors, _ expected: String, line: UInt = #line) {
            let bad = temporary("bad.safetensors")
            try! file.write(to: bad)
            XCTAssertThrowsError(try ModelFile.read(path: bad), line: line) { error in
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix(bad), text, line: line)
                XCTAssertTrue(text.contains(expected), text, line: line)
            }
        }
        var f = model.file
        f.tensors["0.weight"] = .init([Float](repeating: 0, count: 5))
        refused(f, "0.weight")
        f = model.file
        f.tensors["optimizer.momentum"] = nil
        refused(f, "optimizer.momentum")
        f = model.file
        f.metadata["format"] = "losspatterns-plane"
        refused(f, "not a LossPatterns model")
        f = model.file
        f.metadata["dense"] = "999,16"
        refused(f, "damaged")
        // Cut short.
        let bytes = model.file.serialized()
        let cut = temporary("cut.safetensors")
        try AtomicFile.write(Array(bytes.prefix(bytes.count - 7)), to: cut)
        XCTAssertThrowsError(try ModelFile.read(path: cut)) { XCTAssertTrue("\($0)".hasPrefix(cut), "\($0)") }
    }

    func testTrainingLowersTheLoss() throws {
        for optimizer in Optimizer.Kind.allCases {
            let trainer = try ModelTrainer(model: ModelTrainer.initial(net: .tiny, settings: settings(optimizer)), train: Self.data.train, workers: 2)
            let evaluator = try Evaluator(net: .tiny, data: Self.data.test, chunk: 1000)
            let before = evaluator.evaluate([trainer.model.weights])[0]
            for _ in 0..<300 { trainer.advance() }
            let after = evaluator.evaluate([trainer.model.weights])[0]
            XCTAssertLessThan(after.loss, before.loss - 0.3, "\(optimizer)")
            XCTAssertGreaterThan(after.accuracy, 0.5, "\(optimizer)")
        }
    }

    func testResumeGivesExactlyTheStraightRunsWeights() throws {
        for optimizer in Optimizer.Kind.allCases {
            let straight = try ModelTrainer(model: ModelTrainer.initial(net: .tiny, settings: settings(optimizer)), train: Self.data.train, workers: 2)
            for _ in 0..<20 { straight.advance() }
            let first = try ModelTrainer(model: ModelTrainer.initial(net: .tiny, settings: settings(optimizer)), train: Self.data.train, workers: 2)
            for _ in 0..<10 { first.advance() }
            let path = temporary("half.safetensors")
            try first.model.write(to: path)
            let second = try ModelTrainer(model: try ModelFile.read(path: path), train: Self.data.train, workers: 1)
            for _ in 0..<10 { second.advance() }
            XCTAssertEqual(second.step, 20)
            XCTAssertEqual(second.model.weights, straight.model.weights, "\(optimizer)")
            XCTAssertNotEqual(first.model.weights, straight.model.weights)
        }
    }

    func makeTrainer(_ optimizer: Optimizer.Kind = .adam, workers: Int = 2) throws -> ModelTrainer {
        try ModelTrainer(model: ModelTrainer.initial(net: .tiny, settings: settings(optimizer)), train: Self.data.train, workers: workers)
    }

    /// `mpo fit`'s loop: a NaN in the weights (Adam) or infinity in the momentum (SGD) after step 4
    /// is rolled back to exactly the model of step 3, no step runs after it, and the kept model saves.
    func testAFitLoopRollsANonFiniteStepBackAndStops() throws {
        for optimizer in Optimizer.Kind.allCases {
            let loop = TrainingLoop(trainer: try makeTrainer(optimizer))
            loop.fault = { step, model in
                guard step == 4 else { return }
                if optimizer == .adam { model.weights[model.weights.count / 2] = .nan } else { model.m[0] = .infinity }
            }
            let d = try XCTUnwrap(loop.train(until: 10), "\(optimizer)")
            XCTAssertEqual(d.step, 4)
            XCTAssertEqual(d.keptStep, 3)
            XCTAssertEqual(loop.step, 3)
            XCTAssertTrue(d.description.contains("diverged at step 4"), d.description)
            let straight = try makeTrainer(optimizer)
            for _ in 0..<3 { straight.advance() }
            XCTAssertEqual(loop.trainer.model.weights, straight.model.weights, "\(optimizer)")
            XCTAssertEqual(loop.trainer.model.m, straight.model.m, "\(optimizer)")
            XCTAssertEqual(loop.trainer.model.rng, straight.model.rng, "\(optimizer)")
            loop.fault = nil
            guard case .failure = loop.advance() else { return XCTFail("stepped on after a divergence") }
            XCTAssertEqual(loop.step, 3)
            let path = temporary("kept.safetensors")
            try loop.save(to: path)
            XCTAssertEqual(try ModelFile.read(path: path).weights, straight.model.weights)
        }
    }

    /// Autosaves of a model: every 3 steps, a file that loads and resumes to the straight run.
    func testAFitLoopAutosavesAModelThatResumesExactly() throws {
        for optimizer in Optimizer.Kind.allCases {
            let loop = TrainingLoop(trainer: try makeTrainer(optimizer))
            let path = temporary("auto.safetensors")
            loop.autosave = .init(path: path, everySteps: 3)
            var saves = 0
            loop.onAutosave = { error in XCTAssertNil(error); saves += 1 }
            XCTAssertNil(loop.train(until: 7))
            XCTAssertEqual(saves, 2)
            XCTAssertEqual(loop.lastSavedStep, 6)
            XCTAssertEqual(loop.unsavedSteps, 1)
            XCTAssertGreaterThan(loop.throughput.cellImagesPerSecond, 0)
            let saved = try ModelFile.read(path: path)
            XCTAssertEqual(saved.step, 6)
            let resumed = try ModelTrainer(model: saved, train: Self.data.train, workers: 1)
            resumed.advance()
            XCTAssertEqual(resumed.model.weights, loop.trainer.model.weights, "\(optimizer)")
        }
    }

    func testTrajectoryFileHasOneRowPerSnapshot() throws {
        var t = Trajectory(net: .tiny)
        let p = ParameterLayout(.tiny).count
        for s in stride(from: 0, through: 40, by: 10) { t.append(step: s, weights: [Float](repeating: Float(s), count: p)) }
        t.truncate(after: 25)
        XCTAssertEqual(t.steps, [0, 10, 20])
        let path = temporary("t.trajectory.safetensors")
        try t.write(to: path)
        let raw = try Safetensors.read(path: path)
        XCTAssertEqual(raw.tensors["trajectory"]?.shape, [3, p])
        XCTAssertEqual(raw.tensors["trajectory_steps"]?.int64s(), [0, 10, 20])
        XCTAssertEqual(try Trajectory.read(path: path, net: .tiny).rows, t.rows)
    }

    func testTransectEndsAreTheModelsOwnLossesAndAFarPointRisesAbove() throws {
        let trainer = try ModelTrainer(model: ModelTrainer.initial(net: .tiny, settings: settings()), train: Self.data.train, workers: 2)
        for _ in 0..<200 { trainer.advance() }
        let trained = trainer.model.weights
        var rng = Xoshiro256(seed: 99)
        let far = ParameterLayout(.tiny).initialWeights(using: &rng).map { $0 * 20 }
        let evaluator = try Evaluator(net: .tiny, data: Self.data.test)
        let transect = Transect(from: trained, to: far, count: 11, evaluator: evaluator)
        let direct = try Network(spec: .tiny, capacity: Self.data.test.count, forwardOnly: true)
        let a = direct.loss(images: Self.data.test.images, labels: Self.data.test.labels, weights: trained)
        let b = direct.loss(images: Self.data.test.images, labels: Self.data.test.labels, weights: far)
        XCTAssertEqual(transect.loss.first!, a.loss, accuracy: 1e-9)
        XCTAssertEqual(transect.loss.last!, b.loss, accuracy: 1e-9)
        XCTAssertEqual(transect.accuracy.first!, Double(a.correct) / Double(Self.data.test.count))
        XCTAssertEqual(transect.t, (0...10).map { Double($0) / 10 })
        XCTAssertGreaterThan(transect.loss.last!, transect.loss.first! + 1)
        let barrier = transect.barrier
        XCTAssertGreaterThan(barrier.height, 0)
        XCTAssertGreaterThan(barrier.t, 0)
        XCTAssertTrue(transect.csv.hasPrefix("t,loss,accuracy\n0.000000,"))
        XCTAssertEqual(transect.csv.split(separator: "\n").count, 12)
    }
}
