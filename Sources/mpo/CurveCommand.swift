import ArgumentParser
import Engine
import Foundation
import MPO

/// `mpo curve A B`: train a curve between two models (mode connectivity, Garipov et al.) and save
/// it as a plane of kind `curve` through A, B and its learnt point θ.
struct CurveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curve",
        abstract: "Train a low-loss curve w(t) between two models A = w(0) and B = w(1) (mode connectivity); save it as a plane with the curve on it.",
        discussion: """
            mpo curve run1.safetensors run2.safetensors --kind bezier --steps 2000 --save bend
            mpo transect Checkpoints/bend.safetensors --straight   (loss along the curve and along A-B)
            mpo render Checkpoints/bend.safetensors --out bend.png  (the plane through A, B, θ with the curve)

            bezier: w(t) = (1-t)^2 A + 2t(1-t) θ + t^2 B; polychain: A-θ-B, bent at t = 0.5. θ starts at \
            (A+B)/2; each step draws --points values of t uniformly and one minibatch, and lowers the mean \
            training loss at them (Adam on θ, gradient-norm clipping). The ends never move.
            """)

    @Argument(help: ArgumentHelp("The ends A and B: two models of one net (from `mpo fit`, or PyTorch state_dicts with --net); none with --resume.", valueName: "model")) var ends: [String] = []
    @Option(help: "Curve: bezier (quadratic, one control point θ) or polychain (A-θ-B).") var kind = "bezier"
    @Option(help: "Values of t drawn per step, 1...\(CurveTrainer.maxPoints).") var points = 4
    @Option(help: "Steps to train, 1 or more (with --resume: steps more).") var steps = 1000
    @Option(help: "Adam learning rate, a finite number above 0.") var lr: Float = 1e-3
    @Option(help: "Minibatch size, shared by the step's points, 1...16384.") var batch = 128
    @Option(help: "Global gradient-norm clip, a finite number above 0.") var gradientClip: Float = 100
    @Option(help: "Random seed (the t values and minibatches), 0...2^64-1.") var seed: UInt64 = 1
    @Option(help: "Folder with the dataset's files (default for fashion-mnist: /usr/share/datasets/fashion-mnist).") var data: String?
    @Option(help: "Train on the first N training images only, 1 or more (default: all).") var trainImages: Int?
    @Option(help: "Worker threads, 1 or more; capped at the cores (default: all cores).") var workers: Int?
    @Option(help: NetOption.help("for PyTorch state_dicts that do not say; files of ours say their own")) var net: String?
    @Option(help: ArgumentHelp(
        "Save the curve here: a plain name becomes Checkpoints/NAME.safetensors; a path with a / is used as given.",
        valueName: "name-or-path")) var save: String
    @OptionGroup var autosave: AutosaveOption
    @Option(help: ArgumentHelp("Continue this curve (from `mpo curve --save`) exactly where it stopped; ends and settings come from it.", valueName: "file")) var resume: String?
    @OptionGroup var precision: PrecisionOption

    func validate() throws {
        try OptionCheck.choice("--kind", kind, Curve.Kind.allCases.map(\.rawValue))
        try OptionCheck.count("--points", points, 1...CurveTrainer.maxPoints)
        try OptionCheck.count("--steps", steps, 1...Limits.maxStep)
        try OptionCheck.number("--lr", lr, 0...Double.greatestFiniteMagnitude, above: true)
        try OptionCheck.count("--batch", batch, 1...(1 << 14))
        try OptionCheck.number("--gradient-clip", gradientClip, 0...Double.greatestFiniteMagnitude, above: true)
        try OptionCheck.folder("--data", data)
        try OptionCheck.count("--train-images", trainImages, 1...Int.max)
        try OptionCheck.workers(workers)
        try NetOption.check(net, dataset: nil)
        try OptionCheck.saveTarget("--save", save)
        if let resume {
            guard ends.isEmpty else { throw ValidationError("--resume \(OptionCheck.shown(resume)): the ends come from the curve; give no model files") }
            _ = try PlaneCommand.input("--resume", resume)
            return
        }
        guard ends.count == 2 else { throw ValidationError("give two model files A B (got \(ends.count))") }
        let paths = try zip(["A", "B"], ends).map { try PlaneCommand.input("model \($0)", $1) }
        if Self.sameFile(paths[0], paths[1]) {
            throw OptionCheck.fail("model B", OptionCheck.shown(ends[1]), "is the same file as A; a curve needs two different models")
        }
    }

    /// Two names of one file (the same path, a link, a hard link).
    static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return a == b }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    /// The ends, checked to be two different points of one net, and the curve file to start from.
    func start(folders: ProjectFolders) throws -> CurveFile {
        if let resume { return try CurveFile.read(path: try PlaneCommand.input("--resume", resume)) }
        let paths = try zip(["A", "B"], ends).map { try PlaneCommand.input("model \($0)", $1) }
        let given = try self.net.map { try NetOption.spec($0, dataset: nil) }
        let a = try ModelFile.read(path: paths[0], net: given), b = try ModelFile.read(path: paths[1], net: given)
        guard a.net == b.net else {
            throw OptionCheck.fail("model B", OptionCheck.shown(ends[1]), "is another net (\(b.net.summary)) than A (\(a.net.summary))")
        }
        guard a.settings.dataset == b.settings.dataset else {
            throw OptionCheck.fail("model B", OptionCheck.shown(ends[1]), "was trained on \(b.settings.dataset.rawValue), A on \(a.settings.dataset.rawValue)")
        }
        guard a.weights != b.weights else {
            throw OptionCheck.fail("model B", OptionCheck.shown(ends[1]), "has the same weights as A; a curve needs two different models")
        }
        var s = CurveTrainer.Settings()
        (s.points, s.learningRate, s.batchSize, s.gradientClip, s.seed, s.dataset) = (points, lr, batch, gradientClip, seed, a.settings.dataset)
        let p = a.weights.count
        return CurveFile(net: a.net, curve: Curve(kind: Curve.Kind(rawValue: kind)!, from: a.weights, to: b.weights), settings: s,
                         adam: Adam(count: p, learningRate: lr), rng: Xoshiro256(seed: seed),
                         sources: paths.map { ($0 as NSString).lastPathComponent })
    }

    func run() throws {
        let folders = ProjectFolders.locate()
        let savePath = try Train.savePath(save, folders: folders)
        let begun = try start(folders: folders)
        let s = begun.settings
        var train = try s.dataset.load(.train, from: data)
        if let trainImages { train = train.prefix(trainImages) }
        let compute = try precision.compute()
        let trainer = try CurveTrainer(
            net: begun.net, curve: begun.curve, settings: s, train: train, state: begun.state,
            workers: OptionCheck.resolvedWorkers(workers), compute: compute)
        trainer.sources = begun.sources
        let first = trainer.step, target = first + steps
        guard target <= Limits.maxStep else {
            throw ValidationError("--steps \(steps): the curve is at step \(first); at most \(Limits.maxStep) in all")
        }
        print("curve \(begun.curve.kind.rawValue) between \(begun.sources.joined(separator: " and ")): net \(begun.net.quoted), P = \(begun.curve.parameterCount)")
        print("\(s.points) points x batch \(s.batchSize) per step, Adam lr \(s.learningRate), clip \(s.gradientClip), seed \(s.seed); data \(train.name) (\(train.count)); steps \(first) -> \(target); \(compute)")
        let loop = TrainingLoop(trainer: trainer)
        autosave.apply(to: loop, path: savePath, below: target)
        let progress = FitProgress(total: steps)
        let logEvery = max(1, steps / 10)
        var recent = 0.0, recentSteps = 0
        let diverged = loop.train(until: target) { r in
            recent += r.objective
            recentSteps += 1
            progress.update(done: r.step - first, loss: r.objective)
            if r.step % logEvery == 0 || r.step == target {
                progress.finish()
                print(String(format: "step %d/%d: train loss along the curve %.4f (mean of the last %d steps), %.2f steps/s",
                             r.step, target, recent / Double(recentSteps), recentSteps, loop.throughput.stepsPerComputeSecond))
                fflush(stdout)
                (recent, recentSteps) = (0, 0)
            }
        }
        progress.finish()
        if let d = diverged {
            var message = "training diverged at step \(d.step) (loss \(d.objective)); the last finite state is step \(d.keptStep)"
            do {
                try loop.save(to: savePath)
                message += ", saved to \(savePath)"
            } catch {
                message += "; it could not be saved (\(error))"
            }
            throw TrainingFailure(description: message + ". Try a lower --lr.")
        }
        do {
            try loop.save(to: savePath)
        } catch {
            throw TrainingFailure(description: "the final save failed: \(error)" + AutosaveOption.intact(loop.lastSavedStep))
        }
        print("saved \(savePath); profile it with: mpo transect \(savePath) --straight; look at it with: mpo render \(savePath)")
    }
}
