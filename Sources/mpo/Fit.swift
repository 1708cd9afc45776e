import ArgumentParser
import Engine
import Foundation
import MPO

/// `mpo fit`: train one network on a dataset (not a plane), saving it and its trajectory.
struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train one network on a dataset; save it (safetensors, PyTorch parameter names) and its weight trajectory.")

    @Option(help: NetOption.help("default: paper")) var net = "paper"
    @Option(help: "Dataset: fashion-mnist, mnist, cifar10.") var dataset = "fashion-mnist"
    @Option(help: "Folder with the dataset's files (default for fashion-mnist: /usr/share/datasets/fashion-mnist).") var data: String?
    @Option(help: "Optimizer: sgd (with momentum) or adam.") var optimizer = "adam"
    @Option(help: "Learning rate, a finite number above 0 (default: 1e-3 for adam, 0.01 for sgd).") var lr: Float?
    @Option(help: "SGD momentum, 0 or more and below 1.") var momentum: Float = 0.9
    @Option(help: "Minibatch size, 1...16384.") var batch = 128
    @Option(help: "Epochs to train (an epoch draws as many images as the training set holds), 1...100000 (default: 3).") var epochs: Int?
    @Option(help: "Steps to train instead of epochs, 1 or more.") var steps: Int?
    @Option(help: "Random seed, 0...2^64-1.") var seed: UInt64 = 1
    @Option(help: "Record the weights every N steps into NAME.trajectory.safetensors, 0 or more (0: none).") var trajectoryEvery = 100
    @Option(help: "Train on the first N training images only, 1 or more (default: all).") var trainImages: Int?
    @Option(help: "Test images for each epoch's line, 1...10000 (default: all 10000).") var testImages = 10_000
    @Option(help: "Worker threads, 1 or more; capped at the cores (default: all cores).") var workers: Int?
    @Option(help: ArgumentHelp(
        "Save the model here: a plain name becomes Checkpoints/NAME.safetensors; a path with a / is used as given.",
        valueName: "name-or-path")) var save: String
    @Option(help: ArgumentHelp("Continue this model (from `mpo fit`) exactly where it stopped; net and optimizer settings come from it.", valueName: "file")) var resume: String?
    @OptionGroup var autosave: AutosaveOption
    @OptionGroup var bn: BNStatsOption

    func validate() throws {
        try OptionCheck.choice("--dataset", dataset, DatasetKind.allCases.map(\.rawValue))
        try NetOption.check(net, dataset: dataset)
        try OptionCheck.choice("--optimizer", optimizer, Optimizer.Kind.allCases.map(\.rawValue))
        try OptionCheck.folder("--data", data)
        try OptionCheck.number("--lr", lr, 0...Double.greatestFiniteMagnitude, above: true)
        try OptionCheck.number("--momentum", momentum, 0...0.999_999)
        try OptionCheck.count("--batch", batch, 1...(1 << 14))
        try OptionCheck.count("--epochs", epochs, 1...100_000)
        try OptionCheck.count("--steps", steps, 1...Limits.maxStep)
        if epochs != nil && steps != nil { throw ValidationError("--epochs and --steps: give one of them") }
        try OptionCheck.count("--trajectory-every", trajectoryEvery, 0...Int.max)
        try OptionCheck.count("--train-images", trainImages, 1...Int.max)
        try OptionCheck.count("--test-images", testImages, 1...10_000)
        try OptionCheck.workers(workers)
        try OptionCheck.saveTarget("--save", save)
        if let resume {
            do { try ByteReader.checkRegularFile(Train.resumePath(resume, folders: ProjectFolders.locate())) } catch let e as DataError {
                throw OptionCheck.fail("--resume", OptionCheck.shown(resume), e.problem)
            }
        }
    }

    /// NAME.safetensors -> NAME.trajectory.safetensors
    static func trajectoryPath(_ modelPath: String) -> String {
        (modelPath.hasSuffix(".safetensors") ? String(modelPath.dropLast(12)) : modelPath) + ".trajectory.safetensors"
    }

    func run() throws {
        let folders = ProjectFolders.locate()
        let savePath = try Train.savePath(save, folders: folders)
        let model: ModelFile
        if let resume {
            model = try ModelFile.read(path: Train.resumePath(resume, folders: folders))
        } else {
            var s = ModelFile.Settings()
            s.optimizer = Optimizer.Kind(rawValue: optimizer)!
            s.learningRate = lr ?? (s.optimizer == .adam ? 1e-3 : 0.01)
            s.momentum = momentum
            s.batchSize = batch
            s.seed = seed
            s.dataset = DatasetKind(rawValue: dataset)!
            model = ModelTrainer.initial(net: try NetOption.spec(net, dataset: s.dataset), settings: s)
        }
        let kind = model.settings.dataset
        var train = try kind.load(.train, from: data)
        if let trainImages { train = train.prefix(trainImages) }
        let test = try kind.load(.test, from: data).prefix(testImages)
        let workers = OptionCheck.resolvedWorkers(workers)
        let trainer = try ModelTrainer(model: model, train: train, workers: workers)
        // The trainer keeps running statistics for a BatchNorm net, so they are the default, as
        // PyTorch's model.eval(); with batch statistics the test images go in batches of the
        // training size.
        let mode = try bn.mode(for: model.net, running: trainer.model.statistics != nil, what: "net \(model.net.quoted)")
        let evaluator = try Evaluator(
            net: model.net, data: test, chunk: model.net.batchNorm && mode == .batch ? model.settings.batchSize : 1000, workers: workers)
        try bn.apply(mode, to: evaluator, dataset: kind, from: data)
        let perEpoch = trainer.stepsPerEpoch
        let total = steps ?? (epochs ?? 3) * perEpoch
        let start = trainer.step, target = start + total
        let trajectoryFile = Self.trajectoryPath(savePath)
        var trajectory = Trajectory(net: model.net)
        if trajectoryEvery > 0 {
            // The run continues the trajectory saved beside the model it resumes (or beside the save).
            let earlier = [trajectoryFile] + (resume.map { [Self.trajectoryPath(Train.resumePath($0, folders: folders))] } ?? [])
            if resume != nil, let file = earlier.first(where: { FileManager.default.fileExists(atPath: $0) }) {
                trajectory = try Trajectory.read(path: file, net: model.net)
                trajectory.truncate(after: start)
            }
            if start % trajectoryEvery == 0 && trajectory.steps.last != start { trajectory.append(step: start, weights: trainer.model.weights) }
        }
        let s = model.settings
        print("net \(model.net.quoted), P = \(trainer.layout.count); \(s.optimizer.rawValue) lr \(s.learningRate)\(s.optimizer == .sgd ? " momentum \(s.momentum)" : ""), batch \(s.batchSize), seed \(s.seed)")
        print("data \(train.name) (\(train.count)), test \(test.name) (\(test.count)); steps \(start) -> \(target) (\(perEpoch) per epoch)"
            + (bn.line(mode, net: model.net).map { "; test with " + $0 } ?? ""))
        let loop = TrainingLoop(trainer: trainer)
        func saveTrajectory() throws {
            if trajectoryEvery > 0 { try trajectory.write(to: trajectoryFile) }
        }
        func saveModel() throws {
            try loop.save(to: savePath)
            try saveTrajectory()
        }
        autosave.apply(to: loop, path: savePath, below: target, beside: saveTrajectory)
        let progress = FitProgress(total: total)
        let began = Date()
        var epochLoss = 0.0, epochSteps = 0
        let diverged = try loop.train(until: target) { r in
            epochLoss += r.loss
            epochSteps += 1
            if trajectoryEvery > 0 && trainer.step % trajectoryEvery == 0 { trajectory.append(step: trainer.step, weights: trainer.model.weights) }
            progress.update(done: trainer.step - start, loss: r.loss)
            if trainer.step % perEpoch == 0 || trainer.step == target {
                let m = trainer.model
                let scored = evaluator.evaluate([m.weights], statistics: mode == .running ? [m.statistics!] : nil)[0]
                progress.finish()
                let epoch = Double(trainer.step) / Double(perEpoch)
                print(String(format: "epoch %.2f step %d: train loss %.4f, test loss %.4f, test accuracy %.2f%% (%d images), %.1f s",
                             epoch, trainer.step, epochLoss / Double(max(1, epochSteps)), scored.loss, 100 * scored.accuracy, test.count,
                             Date().timeIntervalSince(began)))
                fflush(stdout)
                epochLoss = 0
                epochSteps = 0
                try saveModel()
            }
        }
        if let d = diverged {
            progress.finish()
            throw TrainingFailure.diverged(d, value: "loss", save: { try saveModel(); return savePath })
        }
        print("saved \(savePath)" + (trajectoryEvery > 0 ? " and \(trajectoryFile) (\(trajectory.count) x \(trainer.layout.count))" : ""))
    }
}

/// A progress line on a terminal (bar, steps/s, ETA, loss), redrawn at most 4 times a second;
/// nothing when stderr is a file (the per-epoch lines on stdout are the log).
final class FitProgress {
    let total: Int
    let began = Date()
    var lastDraw = Date.distantPast
    var drawn = false
    let terminal = isatty(2) != 0

    init(total: Int) { self.total = total }

    func update(done: Int, loss: Double) {
        guard terminal else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.25 || done == total else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(began), rate = Double(done) / max(elapsed, 1e-9)
        let eta = Int(Double(total - done) / max(rate, 1e-9))
        let width = 30, filled = width * done / max(1, total)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = "\r[\(bar)] " + String(format: "%d/%d  %.1f steps/s  ETA %d:%02d  loss %.4f", done, total, rate, eta / 60, eta % 60, loss)
        FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
        drawn = true
    }

    /// Clears the line before a log line is printed.
    func finish() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        drawn = false
    }
}
