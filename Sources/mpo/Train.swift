import ArgumentParser
import Engine
import Foundation
import MPO

/// `mpo train`: MPO from the command line, with a progress line and ASCII previews.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train a plane to draw a pattern, headless.")

    @Argument(help: "A .pbm file or the name of a shipped pattern (see Patterns/).")
    var pattern = ProjectFolders.defaultPattern
    @OptionGroup var training: TrainingOptions
    @Option(help: "Steps to train, 1 or more.") var steps = 400
    @Option(help: ArgumentHelp(
        "Save the plane (safetensors) at the end and at every autosave.",
        discussion: "A plain name (no /) is saved as Checkpoints/NAME.safetensors of the project folder, and must be letters, digits, - _ . only; a path with a / (./run.safetensors, /data/run.safetensors) is used as given. Saves are atomic: a crash or kill leaves the previous save intact.",
        valueName: "name-or-path")) var save: String?
    @OptionGroup var autosave: AutosaveOption
    @Option(help: "Evaluate and print a preview every N steps, 0 or more (0: only at the end).") var previewEvery = 100
    @Option(help: "Test images for the previews and the gap, 1...10000 (the test split's size).") var evalImages = 500
    @Flag(help: "Never open the explorer (train always runs headless today).") var headless = false
    @Option(help: ArgumentHelp("Resume from this checkpoint instead of starting a new plane (a path, or the name of one in Checkpoints/).", valueName: "name-or-path")) var resume: String?

    /// Where `--save` writes: a plain name goes into Checkpoints/ (through SafeName, so it can
    /// never land elsewhere); anything with a slash is the user's explicit path.
    static func savePath(_ save: String, folders: ProjectFolders) throws -> String {
        if save.contains("/") { return save }
        try SafeName.ensureFolder(folders.checkpoints)
        return try SafeName.path(for: save, extension: "safetensors", in: folders.checkpoints)
    }

    /// A checkpoint named on the command line: the path as given if it exists, else one in Checkpoints/.
    static func resumePath(_ resume: String, folders: ProjectFolders) -> String {
        guard !resume.contains("/"), !FileManager.default.fileExists(atPath: resume) else { return resume }
        let stem = resume.hasSuffix(".safetensors") ? String(resume.dropLast(12)) : resume
        let inFolder = (folders.checkpoints as NSString).appendingPathComponent(stem + ".safetensors")
        return FileManager.default.fileExists(atPath: inFolder) ? inFolder : resume
    }

    func run() throws {
        let compute = try training.precision.compute()
        let folders = ProjectFolders.locate()
        let savePath = try save.map { try Self.savePath($0, folders: folders) }
        var config: TrainingConfig
        var pattern: Pattern
        var state: Trainer.State? = nil
        if let resume {
            let c = try Checkpoint.read(path: Self.resumePath(resume, folders: folders))
            try TrainingOptions.checkMemory(c.config, workers: training.resolvedWorkers, evalImages: evalImages, planes: 1)
            (config, pattern, state) = (c.config, c.pattern, c.state)
        } else {
            config = try training.config()
            pattern = try folders.loadPattern(self.pattern)
            if training.batch == nil { config.batchSize = config.batchSize(for: pattern) }
        }
        config.compute = compute
        let train = try config.dataset.load(.train, from: config.dataDirectory)
        let test = try config.dataset.load(.test, from: config.dataDirectory).prefix(evalImages)
        let trainer = try Trainer(config: config, pattern: pattern, train: train, workers: training.resolvedWorkers, state: state,
                                  progress: { print($0) })
        let evaluator = try Evaluator(net: config.net, data: test, workers: training.resolvedWorkers, compute: compute)
        let (good, bad) = pattern.trainedCells
        print("pattern \(pattern.name) \(pattern.width)x\(pattern.height): \(good.count) good + \(bad.count) bad cells trained")
        let drawn = config.cellsDrawn(for: pattern)
        print("net \(config.net.quoted), P = \(trainer.layout.count); preset \(config.preset): batch \(config.batchSize), \(drawn.good)+\(drawn.bad) cells, lr \(config.learningRate), \(config.clampSummary(for: pattern))\(state == nil ? ", starting scale \(config.initialScale(for: pattern))" : "")")
        print("data \(train.name) (\(train.count)), eval \(test.name) (\(test.count)); \(GEMM.backend), \(compute)")
        let target = trainer.step + steps
        guard target <= Limits.maxStep else {
            throw ValidationError("--steps \(steps): the plane is at step \(trainer.step); at most \(Limits.maxStep) in all")
        }
        let loop = TrainingLoop(trainer: trainer)
        var lastGap = Double.nan
        autosave.apply(to: loop, path: savePath, below: target)
        let diverged = loop.train(until: target) { r in
            let done = loop.step == target
            if previewEvery > 0 && loop.step % previewEvery == 0 || done {
                let map = evaluator.heatmap(plane: trainer.plane, viewport: Viewport(pattern: pattern), split: .test, step: loop.step)
                let score = PatternScore(pattern: pattern, loss: map.loss, accuracy: map.accuracy)
                lastGap = score.gap
                print("")
                print(ASCIIPreview.lossBesidePattern(map.loss, pattern: pattern, clip: config.clip(for: pattern)), terminator: "")
                print(String(format: "step %d: test gap %.3f (acc black %.3f, white %.3f), loss black %.3f white %.3f, match %.2f, whole gap %.3f, scale %.4f",
                             loop.step, score.gap, score.goodAccuracy, score.badAccuracy, score.goodLoss, score.badLoss, score.match,
                             score.wholeGap, trainer.plane.scale))
            }
            print(String(format: "step %5d/%d  %5.2f steps/s  %7.0f cell-img/s  good %.3f  bad %.3f  gap %@",
                         loop.step, target, loop.throughput.stepsPerComputeSecond, loop.throughput.cellImagesPerSecond,
                         r.goodLoss, r.badLoss, lastGap.isNaN ? "  -  " : String(format: "%.3f", lastGap)))
        }
        if let d = diverged {
            throw TrainingFailure.diverged(d, value: "objective", save: savePath.map { path in { try loop.save(to: path); return path } })
        }
        if let savePath {
            do {
                try loop.save(to: savePath)
            } catch {
                throw TrainingFailure(description: "the final save failed: \(error)" + AutosaveOption.intact(loop.lastSavedStep))
            }
            print("saved \(savePath)")
        }
    }
}
