import ArgumentParser
import Engine
import Foundation
import MPO

/// `mpo experiment`: the paper's experiments, reproducible with one command each.
struct Experiment: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reproduce the paper's experiments.",
        subcommands: [BN.self])
}

extension Experiment {
    /// `mpo experiment bn`: §4.2 / Figure 4 — BatchNorm makes random masks harder to fit.
    struct BN: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bn",
            abstract: "BatchNorm vs plain on random masks of growing fill probability (paper §4.2, Figure 4).",
            discussion: """
                For each fill probability p, seed and variant (the net without and with BatchNorm after \
                each conv), draws the paper's randomly filled square mask (the same mask for both \
                variants), trains a plane with MPO for --steps steps, and scores it on the test set: \
                the gap (mean accuracy on trained black cells minus white ones) and the black-cell \
                accuracy. The paper finds a smaller gap with BN (a smoother landscape) but a higher \
                black-cell accuracy.

                Output folder: runs.csv (one line per finished run, written as it finishes), \
                table.md (mean ± std per p and variant), figure.png (two panels like Figure 4), \
                settings.json. Rerunning with the same folder skips finished runs (resume after an \
                interruption, or add seeds/probabilities); other per-run settings are refused.

                Defaults are sized for about 30 minutes on a 2-core CPU (measured idle: ~27 s per \
                p-and-seed pair, 45 pairs), smaller than the paper in every dimension but seeds:
                  net    mini (conv 1-4-4-8, each + max-pool, pool 4x4, dense 128-32-10;
                         3 BN layers when on) vs the paper's 6-conv paper-bn: 1/700 the cost
                  mask   10x10 (6x6 random interior) vs 30x30: fewer cells to fit in few steps
                  steps  3000 at lr 3e-3 vs ~11,700 (100 epochs) at 3e-4: a 10x rate for a
                         4x shorter run
                  batch  32 and 8+8 cells per step vs 512 and 50+50: 1/100 the work per step
                  seeds  5, as the paper; test images 1000 vs 10,000
                --paper sets the paper's scale (30x30, paper-bn, 5 seeds, batch 512, 50+50 cells, \
                lr 3e-4, 11,700 steps = 100 epochs, 2000 test images); any option given explicitly \
                overrides it. At that scale one step is ~1.6e13 FLOP — minutes per step, weeks per \
                run on 2 cores — so it is for bigger machines, or for a few steps to compare speed.
                """)

        @Option(help: "Output folder (created; reused to resume).") var output = "bn-experiment"
        @Flag(help: "The paper's scale (see above); explicit options override it.") var paper = false
        @Option(help: NetOption.help("its BN switch is set per variant; default: mini, --paper: paper-bn", names: BNExperiment.nets.map(\.name)))
        var net: String?
        @Option(help: "A custom net instead of a preset: conv channels after the input, e.g. 4-8-8 (with --dense).") var conv: String?
        @Option(help: "Hidden linear sizes of a custom net after the flatten, e.g. 32.") var dense: String?
        @Option(help: "A custom net's max-pool after each conv.") var maxPool = true
        @Option(help: "Mask side in cells, 5...512 (default 10; --paper 30).") var mask: Int?
        @Option(help: "MPO steps per run, 1 or more (default 3000; --paper 11700).") var steps: Int?
        @Option(help: "Seeds per (p, variant): 1...N, N at most 10000 (default 5, as --paper).") var seeds: Int?
        @Option(help: "Minibatch size, 1...16384 (default 32; --paper 512).") var batch: Int?
        @Option(help: "Good and bad cells per step, 1...4096 (default 8; --paper 50).") var cells: Int?
        @Option(help: "Adam learning rate, a finite number above 0 (default 3e-3; --paper 3e-4).") var lr: Float?
        @Option(help: "Test images scoring each plane, 1...10000 (default 1000; --paper 2000).") var evalImages: Int?
        @Option(help: "Bad cells' cross-entropy is clamped at this, 0 or more (default 2.5; the original random-squares config used 5).") var clip: Float?
        @Option(help: "Smallest fill probability, 0...1.") var pFrom = 0.1
        @Option(help: "Largest fill probability, 0...1.") var pTo = 0.9
        @Option(help: "Step between fill probabilities, 0.0001...1.") var pStep = 0.1
        @Option(help: "Dataset: fashion-mnist (the paper's), mnist, cifar10.") var dataset = "fashion-mnist"
        @Option(help: "Folder with the dataset's files (default for fashion-mnist: /usr/share/datasets/fashion-mnist).") var data: String?
        @Option(help: "Worker threads, 1 or more; capped at the cores (default: all cores).") var workers: Int?
        @OptionGroup var precision: PrecisionOption

        /// The defaults (see the discussion above for why each is smaller than the paper's).
        /// Measured on the idle 2-core machine at 1500 steps: 13.7 s per plain + BN pair (BN costs
        /// ~2.6x: its layers run unfused at full resolution); at 3000 steps 45 pairs ~ 20 min.
        static let quick = (net: "mini", mask: 10, steps: 3000, seeds: 5, batch: 32, cells: 8, lr: Float(3e-3), evalImages: 1000)
        /// §4.2 and appendix B; 11,700 steps = 100 epochs of 60,000 images at batch 512, the
        /// original code's epoch cap for this experiment. 2,000 test images, not all 10,000: a BN
        /// net is scored on the subset as one batch, and 10,000 images through paper-bn hold ~8 GB
        /// of activations over two workers (2,000: ~1.6 GB); --eval-images 10000 where memory allows.
        static let paperScale = (net: "paper-bn", mask: 30, steps: 11_700, seeds: 5, batch: 512, cells: 50, lr: Float(3e-4), evalImages: 2_000)

        func validate() throws {
            try OptionCheck.number("--p-from", pFrom, 0...1)
            try OptionCheck.number("--p-to", pTo, 0...1)
            try OptionCheck.number("--p-step", pStep, 0.0001...1)
            try checkSizes()
            let p = BNExperiment.probabilities(from: pFrom, to: pTo, step: pStep)
            guard !p.isEmpty, p.allSatisfy({ (0...1).contains($0) }) else {
                throw ValidationError("fill probabilities must lie in 0...1 with --p-from <= --p-to and --p-step > 0")
            }
            if let mask, mask < 5 || mask > Pattern.maxSide { throw ValidationError("--mask must be 5...\(Pattern.maxSide) (the outline takes 2 cells a side)") }
            for (name, value) in [("steps", steps), ("seeds", seeds), ("batch", batch), ("cells", cells), ("eval-images", evalImages), ("workers", workers)] {
                if let value, value < 1 { throw ValidationError("--\(name) must be positive") }
            }
        }

        func settings() throws -> BNExperiment.Settings {
            let d = paper ? Self.paperScale : Self.quick
            guard let kind = DatasetKind(rawValue: dataset) else {
                throw ValidationError("unknown dataset \(dataset); use one of \(DatasetKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let spec = try conv.map { try Self.customNet(conv: $0, dense: dense ?? "", maxPool: maxPool, dataset: kind) }
                ?? NetOption.spec(net ?? d.net, dataset: kind, presets: BNExperiment.nets)
            var s = BNExperiment.Settings(
                net: spec.with(batchNorm: false), maskSize: mask ?? d.mask, steps: steps ?? d.steps, batchSize: batch ?? d.batch,
                cells: cells ?? d.cells, learningRate: lr ?? d.lr, evalImages: evalImages ?? d.evalImages,
                probabilities: BNExperiment.probabilities(from: pFrom, to: pTo, step: pStep),
                seeds: (1...(seeds ?? d.seeds)).map(UInt64.init))
            s.dataset = kind
            s.precision = try PrecisionOption.resolve(precision.precision).precision
            if let clip { s.clip = clip }
            return s
        }

        func run() throws {
            let settings = try settings()
            let runner = try BNExperiment.Runner(settings: settings, folder: output)
            let workers = OptionCheck.resolvedWorkers(self.workers)
            print("BN experiment: \(settings.summary)")
            print("grid: p \(settings.probabilities.map(BNExperiment.format).joined(separator: " ")) x plain/BN x seeds 1...\(settings.seeds.count) = \(settings.runs.count) runs; \(workers) worker(s)")
            if runner.droppedLines > 0 { print("note: dropped \(runner.droppedLines) incomplete line(s) of \(runner.csvPath)") }
            let pending = runner.pending
            if pending.count < settings.runs.count {
                print("resuming in \(output): \(settings.runs.count - pending.count) run(s) already finished, \(pending.count) to go")
            } else {
                print("output: \(output)/")
            }
            if !pending.isEmpty {
                let train = try settings.dataset.load(.train, from: data)
                let test = try settings.dataset.load(.test, from: data)
                print("data: \(train.name) (\(train.count)), scored on \(min(test.count, settings.evalImages)) test images; \(GEMM.backend)")
                try runner.run(train: train, test: test, workers: workers, progress: { p in
                    let r = p.record
                    print(String(format: "[%3d/%d] p %-4@ %-5@ seed %-2d  gap %6.3f  acc black %.3f white %.3f  %6.1fs%@  elapsed %@  ETA %@",
                                 p.done, p.total, BNExperiment.format(r.run.p) as NSString, r.run.variant.title as NSString,
                                 Int(r.run.seed), r.gap, r.blackAccuracy, r.whiteAccuracy, r.seconds,
                                 (r.divergedAt > 0 ? "  DIVERGED at step \(r.divergedAt)" : "") as NSString,
                                 Self.clock(p.elapsed) as NSString, Self.clock(p.remaining) as NSString))
                    fflush(stdout)
                })
            } else {
                try runner.writeReport()
            }
            print("")
            print(runner.summary.markdown, terminator: "")
            print("")
            print("wrote \(runner.csvPath), \(runner.tablePath), \(runner.figurePath)")
        }

        /// conv "4-8-8", dense "32" -> 'conv 4,8,8 pool; dense 32' (conv 1-4-8-8, pool 4x4, dense 128-32-10).
        static func customNet(conv: String, dense: String, maxPool: Bool, dataset: DatasetKind) throws -> ModelSpec {
            func list(_ text: String) -> String { text.split(separator: "-", omittingEmptySubsequences: false).joined(separator: ",") }
            return try NetOption.spec(
                "conv \(list(conv))\(maxPool ? " pool" : ""); dense \(list(dense))", option: "--conv and --dense", dataset: dataset)
        }

        /// "1h02m", "12m05s", "42s"; "?" before anything is known.
        static func clock(_ seconds: Double) -> String {
            guard seconds.isFinite else { return "?" }
            let s = Int(seconds.rounded())
            if s >= 3600 { return String(format: "%dh%02dm", s / 3600, s % 3600 / 60) }
            if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
            return "\(s)s"
        }
    }
}
