import ArgumentParser
import Engine
import Foundation
import MPO

extension TrainingOptions {
    /// Names, ranges and folders; sizes beyond the ranges say what memory they would need.
    func validate() throws {
        try OptionCheck.choice("--preset", preset, TrainingConfig.presets.map(\.preset))
        try OptionCheck.choice("--dataset", dataset, DatasetKind.allCases.map(\.rawValue))
        try NetOption.check(net, dataset: dataset)
        try OptionCheck.folder("--data", data)
        try sized("--batch", batch, Limits.batch) { $0.batchSize = $1 }
        try sized("--cells", cells, Limits.cells) { $0.cells = $1 }
        try OptionCheck.number("--lr", lr, 0...Double.greatestFiniteMagnitude, above: true)
        try OptionCheck.workers(workers)
        try OptionCheck.count("--warm-start", warmStart, 0...100_000)
        try OptionCheck.number("--span", span, 0...1_000, above: true)
        try OptionCheck.choice("--clamp", clamp, Clamp.allCases.map(\.rawValue))
        try OptionCheck.number("--clip", clip, 0...1_000, above: true)
        if let focus, (try? CellFocus.parse(focus)) == nil {
            throw OptionCheck.fail("--focus", focus, "must be uniform, wrong or wrong:FLOOR with FLOOR a number 0.01...100")
        }
    }

    /// A size outside its range; above it, the message gives the memory it would take.
    private func sized(_ option: String, _ value: Int?, _ range: ClosedRange<Int>, _ set: (inout TrainingConfig, Int) -> Void) throws {
        guard let value, !range.contains(value) else { return }
        var why = "must be \(range.lowerBound)...\(range.upperBound)"
        if value > range.upperBound, var c = TrainingConfig.preset(named: preset) {
            if let net, let spec = try? NetOption.spec(net, dataset: DatasetKind(rawValue: dataset)) { c.net = spec }
            set(&c, value)
            let bytes = MemoryEstimate.trainer(c, workers: OptionCheck.resolvedWorkers(workers))
            why += " (it would need about \(MemoryEstimate.format(bytes)) of memory; this machine has \(MemoryEstimate.format(MemoryEstimate.available)))"
        }
        throw OptionCheck.fail(option, String(value), why)
    }

    var resolvedWorkers: Int { OptionCheck.resolvedWorkers(workers) }

    /// Refuses a configuration whose buffers do not fit in memory (`planes`: 2 for the explorer,
    /// which keeps the plain and the BatchNorm plane).
    static func checkMemory(_ c: TrainingConfig, workers: Int, evalImages: Int, planes: Int) throws {
        let net = ModelSpec.presets.first { $0.spec.with(batchNorm: false) == c.net.with(batchNorm: false) }?.name ?? "'\(c.net.text)'"
        try OptionCheck.memory(
            c.memoryNeeded(workers: workers, evalImages: evalImages, planes: planes),
            blame: "--batch \(c.batchSize) --cells \(c.cells) --eval-images \(evalImages) with net \(net)\(c.net.batchNorm ? " --bn" : "") on \(workers) worker(s)")
    }
}
