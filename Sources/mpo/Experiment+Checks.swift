import ArgumentParser
import Engine
import Foundation
import MPO

extension Experiment.BN {
    /// Ranges of the sizes, names and folders; then the memory one run needs (the BN variant, the larger).
    func checkSizes() throws {
        try OptionCheck.count("--steps", steps, 1...Limits.maxStep)
        try OptionCheck.count("--seeds", seeds, 1...10_000)
        try OptionCheck.count("--batch", batch, Limits.batch)
        try OptionCheck.count("--cells", cells, Limits.cells)
        try OptionCheck.count("--eval-images", evalImages, 1...10_000)
        try OptionCheck.number("--lr", lr, 0...Double.greatestFiniteMagnitude, above: true)
        try OptionCheck.number("--clip", clip, 0...1e6)
        try OptionCheck.workers(workers)
        try OptionCheck.choice("--dataset", dataset, DatasetKind.allCases.map(\.rawValue))
        try NetOption.check(net, dataset: dataset, presets: BNExperiment.nets)
        try OptionCheck.folder("--data", data)
        for (option, text) in [("--conv", conv), ("--dense", dense)] {
            guard let text else { continue }
            let sizes = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            guard !sizes.isEmpty, sizes.count <= 16, sizes.allSatisfy({ (1...1024).contains($0 ?? 0) }) || option == "--dense" && text.isEmpty else {
                throw OptionCheck.fail(option, OptionCheck.shown(text), "must be up to 16 sizes of 1...1024 joined by '-', e.g. 4-8-8")
            }
        }
        guard !output.isEmpty, output.utf8.count <= 1024 else { throw OptionCheck.fail("--output", OptionCheck.shown(output), "a folder name is needed") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw OptionCheck.fail("--output", OptionCheck.shown(output), "exists and is not a folder")
        }
        guard mask.map({ (5...Pattern.maxSide).contains($0) }) ?? true else { return }  // validate() says why
        let s = try settings()
        let c = s.config(.bn, seed: 1)
        let workers = OptionCheck.resolvedWorkers(self.workers)
        try OptionCheck.memory(
            MemoryEstimate.trainer(c, workers: workers) + 2 * MemoryEstimate.evaluator(c.net, images: s.evalImages, workers: workers)
                + MemoryEstimate.data(s.dataset, images: s.evalImages),
            blame: "--batch \(s.batchSize) --cells \(s.cells) --eval-images \(s.evalImages) with net \(c.net.summary) on \(workers) worker(s)")
    }
}
