import ArgumentParser
import Engine
import MPO

/// Options shared by the commands that train.
struct TrainingOptions: ParsableArguments {
    @Option(help: "Preset: live (default, for watching), paper (the paper's settings), tiny.") var preset = "live"
    @Option(help: NetOption.help("default: the preset's")) var net: String?
    @Flag(help: "Add BatchNorm after each conv (the paper's appendix C variant).") var bn = false
    @Option(help: "Dataset: fashion-mnist, mnist, cifar10.") var dataset = "fashion-mnist"
    @Option(help: "Folder with the dataset's files (default for fashion-mnist: /usr/share/datasets/fashion-mnist).") var data: String?
    @Option(help: "Random seed, 0...2^64-1.") var seed: UInt64 = 1
    @Option(help: "Minibatch size, 1...16384 (default: the preset's).") var batch: Int?
    @Option(help: "Good and bad cells per step, 1...4096 each (default: the preset's; live draws twice as many, from half the images, where one colour trains at least 4 times the other's cells, as in grid).") var cells: Int?
    @Option(help: "Adam learning rate, a finite number above 0 (default: the preset's).") var lr: Float?
    @Option(help: "Worker threads, 1 or more; capped at the cores (default: all cores).") var workers: Int?
    @Option(help: "Adam steps of a net trained first as the plane's origin, 0...100000 (0: a random origin, as the paper; default: the preset's, live 1000, paper 0). Trained once per net, dataset and seed, then read from the cache folder.") var warmStart: Int?
    @Option(help: "Start the scale at SPAN / (pattern size / 2), so the plane spans the same distance whatever the pattern's size; a number above 0 (default: the preset's scale: 0.1; live starts patterns that are edges nearly everywhere, such as grid and random, at 0.18).") var span: Float?
    @Option(help: "Which cells a step draws: 'uniform' (the paper) or 'wrong' (more often where the picture is still wrong: weight FLOOR + wrongness), optionally with its floor, e.g. wrong:0.2 (default: the preset's).") var focus: String?
    @Option(help: "What a bad cell's clip clamps: 'batch' (the minibatch's mean cross-entropy, as the paper) or 'image' (each image's, so the white cells' accuracy falls; the live preset's) (default: the preset's).") var clamp: String?
    @Option(help: "The clip c: a bad cell's cross-entropy is clamped to [0, c], so past it the cell pushes no further; a number above 0 (default: the preset's, 2.5 as the paper; live clamps a pattern as uneven as grid at 3.5).") var clip: Float?
    @OptionGroup var precision: PrecisionOption
    @OptionGroup var bnStats: MPOBNStatsOption

    /// The training settings, computing with this process's ISA level and the chosen precision.
    func config() throws -> TrainingConfig {
        let compute = try precision.compute()
        guard var c = TrainingConfig.preset(named: preset) else {
            throw ValidationError("unknown preset \(preset); use one of \(TrainingConfig.presets.map(\.preset).joined(separator: ", "))")
        }
        guard let kind = DatasetKind(rawValue: dataset) else {
            throw ValidationError("unknown dataset \(dataset); use one of \(DatasetKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        c.dataset = kind
        c.dataDirectory = data
        c.net = try net.map { try NetOption.spec($0, dataset: kind) } ?? c.net.adapted(to: kind.imageShape)
        if bn { c.net.batchNorm = true }
        if let batch { c.batchSize = batch }
        if let cells { c.cells = cells; c.unevenRatio = nil }  // the user's count, for every pattern
        if let lr { c.learningRate = lr }
        c.seed = seed
        c.compute = compute
        if let warmStart { c.warmStart.steps = warmStart }
        if let span { c.initialSpan = span }
        if let focus { c.cellFocus = try CellFocus.parse(focus) }
        if let clamp, let value = Clamp(rawValue: clamp) { c.clamp = value }
        if let clip { c.clip = clip; c.unevenClip = nil }  // the user's clip, for every pattern
        try c.net.validate()
        return c
    }
}
