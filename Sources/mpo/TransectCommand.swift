import ArgumentParser
import Engine
import Foundation
import MPO

/// `mpo transect`: the loss and accuracy along the straight segment between two weight vectors.
struct TransectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transect",
        abstract: "Loss and accuracy along w(t) = (1-t)A + tB between two models (from `mpo fit`, or PyTorch state_dicts), or two positions of one plane.",
        discussion: "mpo transect A.safetensors B.safetensors --out profile.csv\nmpo transect PLANE.safetensors --from ROW,COL --to ROW,COL --out profile.png\nmpo transect DIRECTIONS.safetensors --from=-1,0 --to=1,0 (a plane from `mpo plane`; a value that starts with - needs the =)\nmpo transect CURVE.safetensors --straight --json (a curve from `mpo curve`, beside the segment between its ends)")

    @Argument(help: "Two model files of one net (from `mpo fit`, or safetensors.torch.save_file(model.state_dict(), path) with --net), one plane checkpoint (MPO or direction plane) with --from and --to, or one curve from `mpo curve`.") var files: [String] = []
    @Option(help: "Plane position where the segment starts: ROW,COL of an MPO plane, ALPHA,BETA of a direction plane.") var from: String?
    @Option(help: "Plane position where the segment ends: ROW,COL or ALPHA,BETA.") var to: String?
    @Option(help: "Points along the segment, both ends included, 2...10001.") var points = 51
    @Option(help: "Split to evaluate on: train or test.") var split = "test"
    @Option(help: "Images evaluated at each point (the split's first N), 1...60000.") var evalImages = 1000
    @Option(help: "Folder with the dataset's files (default for fashion-mnist: /usr/share/datasets/fashion-mnist).") var data: String?
    @Option(help: "Worker threads, 1 or more; capped at the cores (default: all cores).") var workers: Int?
    @Option(help: "Write the profile here: .csv (t, loss, accuracy) or .png (a line plot).") var out: String?
    @Option(help: NetOption.help("for PyTorch state_dicts that do not say; files of ours say their own")) var net: String?
    @Flag(help: "With a curve: also the straight segment between its ends, and both barriers.") var straight = false
    @Flag(help: "With a curve: one JSON line (barrier, straight_barrier, min_accuracy, end_accuracies, ...).") var json = false

    func validate() throws {
        try OptionCheck.count("--points", points, 2...10_001)
        try OptionCheck.count("--eval-images", evalImages, 1...60_000)
        try OptionCheck.choice("--split", split, Split.allCases.map(\.rawValue))
        try OptionCheck.folder("--data", data)
        try OptionCheck.workers(workers)
        try NetOption.check(net, dataset: nil)
        if let out {
            try OptionCheck.outputFile("--out", out)
            guard out.hasSuffix(".csv") || out.hasSuffix(".png") else { throw OptionCheck.fail("--out", OptionCheck.shown(out), "name a .csv or a .png file") }
        }
        if from != nil || to != nil {
            guard files.count == 1 else { throw ValidationError("--from and --to: give exactly one plane file, got \(files.count) files") }
            guard let from else { throw ValidationError("--to: --from is needed too") }
            guard let to else { throw ValidationError("--from: --to is needed too") }
            _ = try Self.cell("--from", from)
            _ = try Self.cell("--to", to)
        } else if files.count != 2 && files.count != 1 {
            throw ValidationError("give two model files, one curve file, or one plane file with --from ROW,COL --to ROW,COL (got \(files.count) files)")
        }
        if (straight || json) && (files.count != 1 || from != nil) {
            throw ValidationError("--straight and --json: give one curve file (from mpo curve)")
        }
        for f in files {
            do { try ByteReader.checkRegularFile(f) } catch let e as DataError { throw OptionCheck.fail("file", OptionCheck.shown(f), e.problem) }
        }
    }

    static func cell(_ option: String, _ text: String) throws -> (row: Double, col: Double) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let r = parts[0], let c = parts[1], r.isFinite, c.isFinite, abs(r) <= 1e6, abs(c) <= 1e6 else {
            throw OptionCheck.fail(option, OptionCheck.shown(text), "must be two finite numbers, ROW,COL or ALPHA,BETA")
        }
        return (r, c)
    }

    func run() throws {
        if from == nil && files.count == 1 { return try runCurve() }
        var net: ModelSpec, dataset: DatasetKind, a: [Float], b: [Float], label: String
        if let from, let to {
            let plane = try PlaneFile.read(path: files[0])
            let (p, q) = (try Self.cell("--from", from), try Self.cell("--to", to))
            (net, dataset, a, b) = (plane.net, plane.dataset, plane.weights(at: p.row, p.col), plane.weights(at: q.row, q.col))
            label = "\((files[0] as NSString).lastPathComponent) (\(from)) -> (\(to))"
        } else {
            let given = try self.net.map { try NetOption.spec($0, dataset: nil) }
            let ma = try ModelFile.read(path: files[0], net: given), mb = try ModelFile.read(path: files[1], net: given)
            guard ma.net == mb.net else {
                throw DataError(files[1], "is another net (\(mb.net.summary)) than \(files[0]) (\(ma.net.summary))")
            }
            (net, dataset, a, b) = (ma.net, ma.settings.dataset, ma.weights, mb.weights)
            label = "\((files[0] as NSString).lastPathComponent) -> \((files[1] as NSString).lastPathComponent)"
        }
        if net.batchNorm && evalImages > 10_000 {
            throw ValidationError("--eval-images \(evalImages): a BatchNorm net sees all of them in one batch; at most 10000")
        }
        let images = try dataset.load(Split(rawValue: split)!, from: data).prefix(evalImages)
        // A BatchNorm net gets the whole subset in one batch, as a map does (its statistics
        // are the subset's); others go in chunks of 1000, which only changes the summation order.
        let evaluator = try Evaluator(
            net: net, data: images, chunk: net.batchNorm ? images.count : 1000, workers: OptionCheck.resolvedWorkers(workers))
        let transect = Transect(from: a, to: b, count: points, evaluator: evaluator)
        print("transect \(label): \(points) points, \(images.count) \(split) images")
        print(String(format: "ends: loss %.4f (acc %.2f%%) at t=0, %.4f (acc %.2f%%) at t=1", transect.loss.first!,
                     100 * transect.accuracy.first!, transect.loss.last!, 100 * transect.accuracy.last!))
        let barrier = transect.barrier
        print(String(format: "barrier height %.4f at t=%.3f", barrier.height, barrier.t))
        if let out {
            let bytes = out.hasSuffix(".png") ? transect.plot(title: "transect " + label).png : Array(transect.csv.utf8)
            try AtomicFile.write(bytes, to: out)
            print("wrote \(out)")
        }
    }
}
