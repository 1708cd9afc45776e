import ArgumentParser
import Engine
import Foundation
import MPO

extension HessianCommand {
    func validate() throws {
        try OptionCheck.count("--top", top, 1...1000)
        try OptionCheck.count("--trace-samples", traceSamples, 0...10_000)
        try OptionCheck.count("--density-probes", densityProbes, 1...100)
        try OptionCheck.count("--density-steps", densitySteps, 2...1000)
        try OptionCheck.count("--eval-images", evalImages, 1...60_000)
        try OptionCheck.count("--batches", batches, 1...1000)
        try OptionCheck.count("--max-steps", maxSteps, 2...2000)
        try OptionCheck.number("--tolerance", tolerance, 0...0.5, above: true)
        try OptionCheck.number("--step", step, 0...1, above: true)
        try OptionCheck.choice("--split", split, Split.allCases.map(\.rawValue))
        try OptionCheck.choice("--hvp", hvp, HessianVectorProduct.Method.allCases.map(\.rawValue))
        try OptionCheck.folder("--data", data)
        try OptionCheck.workers(workers)
        if top > maxSteps { throw OptionCheck.fail("--top", String(top), "is more than --max-steps \(maxSteps)") }
        if density {
            guard let out else { throw ValidationError("--density: name the file to write with --out (.png or .csv)") }
            try OptionCheck.outputFile("--out", out)
            guard out.hasSuffix(".png") || out.hasSuffix(".csv") else { throw OptionCheck.fail("--out", OptionCheck.shown(out), "name a .png or a .csv file") }
        } else if out != nil {
            throw ValidationError("--out: it is where --density writes; add --density")
        }
        try ModelPoint.check(model, at: at, net: net)
        let point = try ModelPoint.opened(model, at: at, net: net)
        try checkAgainst(point.net, dataset: point.dataset, parameters: ParameterLayout(point.net).count)
    }

    /// What needs the net: --top within P, the images there are, the memory, a BatchNorm net's one batch.
    func checkAgainst(_ net: ModelSpec, dataset: DatasetKind, parameters p: Int) throws {
        let available = dataset.count(of: Split(rawValue: split)!)
        guard batches * evalImages <= available else {
            throw ValidationError("--batches \(batches) x --eval-images \(evalImages) = \(batches * evalImages) images; the \(split) split has \(available)")
        }
        if top > p { throw OptionCheck.fail("--top", String(top), "is more than the net's \(p) parameters") }
        if net.batchNorm && evalImages > 10_000 {
            throw OptionCheck.fail("--eval-images", String(evalImages), "a BatchNorm net sees all of them in one batch; at most 10000")
        }
        let basis = 4 * Double(p) * Double(min(maxSteps, p) + 4)
        try OptionCheck.memory(
            HessianVectorProduct.bytes(net: net, images: evalImages) + basis + MemoryEstimate.data(dataset, images: evalImages * batches),
            blame: "--eval-images \(evalImages) and --max-steps \(maxSteps) on a net of \(p) parameters")
    }
}
