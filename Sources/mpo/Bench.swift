import ArgumentParser
import Engine
import Foundation
import MPO

/// `mpo bench`: training and evaluation throughput of the engine, as medians after a warm-up,
/// against the machine's SGEMM peak measured in the same run and, with `--reference`, against
/// PyTorch run on the same machine (never a figure from another CPU).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure training and evaluation speed (release build).")

    @Flag(help: "Fewer repetitions: finishes in under a minute.") var quick = false
    @Flag(help: "One JSON object on stdout instead of the table.") var json = false
    @Option(help: "Worker threads, 1 or more; capped at the cores (default: all cores).") var workers: Int?
    @Option(help: "Presets to measure, comma-separated.") var presets = "paper,live"
    @Option(help: "Skip the memory probe (16x16 vs 64x64 pattern).") var memory = true
    @Option(help: .hidden) var memoryProbe: Int?
    @Option(help: "GEMM precision to measure: fp32, bf16, auto, or all (default: every precision this CPU runs fast).")
    var precision = "all"
    @Option(help: "PyTorch figures from the same machine, for ratios: the output of ../shared/reference/ref_mpo.py bench (RESULT/EVAL lines; paper: --batch 512 --cells 50, live: --batch 64 --cells 32) or JSON {\"paper\": {\"train\": N, \"eval\": N}}.")
    var reference: String?
    @Flag(help: "Measure what --precision auto runs on this CPU again (about 1.5 s) and keep the new choice.") var calibrate = false

    struct Result: Codable {
        var preset: String
        var precision: String
        var isa: String
        var net: String
        var batch: Int
        var cells: Int
        var train_cell_images_per_s: Double
        var train_step_seconds: Double
        var eval_cell_images_per_s: Double
        var eval_images: Int
        var map_16x16_seconds: Double
        var gflops: Double
        var peak_fraction: Double
        var eval_gflops: Double
        var eval_peak_fraction: Double
        /// The register-only peak of the arithmetic this row uses ("fp32 FMA zmm", "bf16 vdpbf16ps
        /// zmm"), measured in the same run, and the fractions of it; nil where the level has none.
        var arith_peak: String
        var arith_peak_gflops: Double?
        var arith_peak_fraction: Double?
        var eval_arith_peak_fraction: Double?
        /// nil without `--reference` (or when the file lacks the preset): then `reference_note` says so.
        var pytorch_train_ratio: Double?
        var pytorch_eval_ratio: Double?
        var reference_note: String

        // Optionals are written as null, so every result has the same keys.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(preset, forKey: .preset); try c.encode(precision, forKey: .precision); try c.encode(isa, forKey: .isa)
            try c.encode(net, forKey: .net); try c.encode(batch, forKey: .batch); try c.encode(cells, forKey: .cells)
            try c.encode(train_cell_images_per_s, forKey: .train_cell_images_per_s)
            try c.encode(train_step_seconds, forKey: .train_step_seconds)
            try c.encode(eval_cell_images_per_s, forKey: .eval_cell_images_per_s); try c.encode(eval_images, forKey: .eval_images)
            try c.encode(map_16x16_seconds, forKey: .map_16x16_seconds); try c.encode(gflops, forKey: .gflops)
            try c.encode(peak_fraction, forKey: .peak_fraction); try c.encode(eval_gflops, forKey: .eval_gflops)
            try c.encode(eval_peak_fraction, forKey: .eval_peak_fraction)
            try c.encode(arith_peak, forKey: .arith_peak); try c.encode(arith_peak_gflops, forKey: .arith_peak_gflops)
            try c.encode(arith_peak_fraction, forKey: .arith_peak_fraction)
            try c.encode(eval_arith_peak_fraction, forKey: .eval_arith_peak_fraction)
            try c.encode(pytorch_train_ratio, forKey: .pytorch_train_ratio); try c.encode(pytorch_eval_ratio, forKey: .pytorch_eval_ratio)
            try c.encode(reference_note, forKey: .reference_note)
        }
    }

    /// The presets' shapes, for matching reference runs to them.
    static var presetShapes: [String: (batch: Int, cells: Int)] {
        Dictionary(uniqueKeysWithValues: TrainingConfig.presets.map { ($0.preset, ($0.batchSize, $0.cells)) })
    }

    func run() throws {
        if let size = memoryProbe { return try probeMemory(size: size) }
        let workers = min(self.workers ?? CPU.cores, CPU.cores)
        let reference = try self.reference.map { try Reference.read(path: $0, presets: Self.presetShapes) }
        let backend = GEMM.backend
        let train = try DatasetKind.fashionMNIST.load(.train)
        let test = try DatasetKind.fashionMNIST.load(.test)
        let calibration = Calibration.record(remeasure: calibrate, note: PrecisionOption.note)
        let computes: [Compute]
        if precision == "all" {
            computes = Calibration.candidates(level: .default)  // every path auto chooses from
        } else {
            computes = [try PrecisionOption.resolve(precision)]
        }
        let peak = GEMM.measuredPeak(threads: workers, seconds: quick ? 0.5 : 1.5)
        let arithmetic = GEMM.arithmeticPeaks(isa: ISA.default, threads: workers, seconds: quick ? 0.2 : 0.5)
        if !json {
            print("LossPatterns bench: \(CPU.modelName), \(CPU.cores) cores, \(workers) worker(s)")
            print("ISA level: \(ISA.default) (\(ISA.choiceReason)); this CPU runs \(ISA.supported.map(\.rawValue).joined(separator: ", "))")
            print("GEMM: \(backend); bf16 kernel (AVX512_BF16): \(Compute.bf16Fast(on: .default) ? "available" : "not at this level")")
            if backend.coreSource == "user" {
                print("  note: OPENBLAS_CORETYPE=\(backend.userCore) is set in the environment and respected")
            }
            print("peaks, \(workers) x one thread, this run (GFLOP/s):")
            let fma = arithmetic.fma > 0 ? String(format: "%6.0f", arithmetic.fma) : "   n/a (no vector FMA at this level)"
            let dpbf16 = arithmetic.dpbf16.map { String(format: "%6.0f", $0) } ?? "   n/a (no AVX512_BF16 at this level)"
            print(String(format: "  fp32 SGEMM, OpenBLAS 1024^3             %6.0f", peak))
            print("  fp32 FMA, register-only (\(arithmetic.fmaVectors))".padding(toLength: 42, withPad: " ", startingAt: 0) + fma)
            print("  bf16 vdpbf16ps, register-only (zmm)     " + dpbf16)
            print("  AMX tile peak: \(arithmetic.amxNote)")
            print("'SGEMM': share of the SGEMM peak; 'arith': of the register-only peak of the arithmetic the row uses (fp32 FMA or vdpbf16ps)")
            print("precision auto: \(calibration.summary)")
            if let reference { print("PyTorch reference: \(reference.source)") }
            print("")
            print("preset  prec      net    batch  cells   train cell-img/s   x PyTorch   SGEMM  arith   eval cell-img/s   x PyTorch   SGEMM  arith   step s   16x16 map s")
        }
        var results: [String: [String: Result]] = [:]  // precision -> preset -> result
        for compute in computes {
            for name in presets.split(separator: ",").map(String.init) {
                guard var config = TrainingConfig.preset(named: name) else { throw ValidationError("unknown preset \(name)") }
                config.compute = compute
                let r = try measure(config, train: train, test: test, workers: workers, peak: peak, arithmetic: arithmetic, reference: reference)
                results[Self.key(compute), default: [:]][name] = r
                if !json {
                    let net = ModelSpec.presets.first { $0.spec == config.net }?.name ?? "custom"
                    // String(format:) ignores widths on %@, so the text columns are padded here.
                    let label = [(name, 8), (Self.key(compute), 10), (net, 6)].map { $0.0.padding(toLength: $0.1, withPad: " ", startingAt: 0) }.joined()
                    let ratio = { (x: Double?) in x.map { String(format: "%9.1fx", $0) } ?? "        - " }
                    let percent = { (x: Double?) in x.map { String(format: "%5.0f%%", 100 * $0) } ?? "   n/a" }
                    print(label + String(format: " %5d  %2d+%-2d  %17.0f  ", r.batch, r.cells, r.cells, r.train_cell_images_per_s)
                          + ratio(r.pytorch_train_ratio) + "  " + percent(r.peak_fraction) + " " + percent(r.arith_peak_fraction)
                          + String(format: "  %16.0f  ", r.eval_cell_images_per_s) + ratio(r.pytorch_eval_ratio)
                          + "  " + percent(r.eval_peak_fraction) + " " + percent(r.eval_arith_peak_fraction)
                          + String(format: "  %7.3f  %11.2f", r.train_step_seconds, r.map_16x16_seconds))
                }
            }
        }
        if !json, reference == nil { print("(x PyTorch: run ../shared/reference/ref_mpo.py bench on this machine and pass its output with --reference)") }
        var perImage: [String: (forward: Double, backward: Double)] = [:]
        for compute in computes {
            let t = try Self.forwardBackwardPerImage(train: train, reps: quick ? 5 : 11, compute: compute)
            perImage[Self.key(compute)] = t
            if !json {
                if compute == computes.first { print("") }
                print(String(format: "paper net, batch 512, one thread, %@: forward %.1f us/image, backward %.1f us/image (medians of %d)",
                             compute.description as NSString, t.forward * 1e6, t.backward * 1e6, quick ? 5 : 11))
            }
        }
        // The path auto runs answers the top-level questions (and runs the live-feel probe).
        let fastest = computes.contains(calibration.chosen) ? calibration.chosen : computes[0]
        let live = try Self.measureLiveFeel(images: 256, seconds: quick ? 10 : 30, workers: workers, compute: fastest)
        if !json {
            let map = live.map_seconds_while_training.map { String(format: "a new map completes every %.2f s", $0) } ?? "no map completed twice (\(live.note))"
            print(String(format: "live feel, %@ (the explorer's engine, live preset, 16x16 ring, 16x16 map over %d test images): %.1f steps/s while %@; %.2f s per map when paused",
                         fastest.description as NSString, live.eval_images, live.steps_per_s_while_mapping, map as NSString, live.map_seconds_paused))
        }
        var memoryReport: [String: Double] = [:]
        if memory {
            let small = try runProbe(16), large = try runProbe(64)
            memoryReport = ["rss_16x16_mb": small, "rss_64x64_mb": large, "ratio": large / small]
            if !json {
                print("")
                print(String(format: "memory (live preset, separate processes): peak RSS %.0f MB on a 16x16 pattern, %.0f MB on 64x64 (x%.2f)", small, large, large / small))
            }
        }
        let rss = Self.peakRSSMegabytes()
        var targets = Self.targets(results: results, live: live, memory: memoryReport, reference: reference, fastest: fastest)
        if let t = Self.autoTarget(results: results, calibration: calibration) { targets.insert(t, at: 0) }
        if json {
            var object: [String: Any] = [
                "backend": "\(backend.name) \(backend.core)", "core_source": backend.coreSource,
                "threads_per_call": backend.threadsPerCall, "workers": workers, "precision": fastest.precision.rawValue,
                "isa": ISA.default.rawValue, "isa_reason": ISA.choiceReason, "isa_supported": ISA.supported.map(\.rawValue),
                "sgemm_peak_gflops": peak, "peak_rss_mb": rss, "cpu": CPU.modelName,
                "fma_peak_gflops": arithmetic.fma, "fma_peak_vectors": arithmetic.fmaVectors,
                "dpbf16_peak_gflops": arithmetic.dpbf16 ?? NSNull(), "amx_peak": arithmetic.amxNote,
                "reference": try reference.map { try JSONSerialization.jsonObject(with: JSONEncoder().encode($0)) } ?? NSNull(),
            ]
            // Top level: the fastest precision measured; "by_precision" holds every one.
            object["auto"] = ["chosen": Self.key(calibration.chosen), "summary": calibration.summary,
                              "timings_us_per_image": calibration.timings.map { ["path": Self.key($0.compute), "train": $0.trainMicroseconds, "eval": $0.evalMicroseconds] }]
            for (k, r) in results[Self.key(fastest)] ?? [:] {
                object[k] = try JSONSerialization.jsonObject(with: JSONEncoder().encode(r))
            }
            object["by_precision"] = try JSONSerialization.jsonObject(with: JSONEncoder().encode(results))
            if !memoryReport.isEmpty { object["memory"] = memoryReport }
            object["targets"] = try JSONSerialization.jsonObject(with: JSONEncoder().encode(targets))
            object["live_feel"] = try JSONSerialization.jsonObject(with: JSONEncoder().encode(live))
            object["paper_batch512_us_per_image"] = perImage.mapValues { ["forward": $0.forward * 1e6, "backward": $0.backward * 1e6] }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        } else {
            Self.printTargets(targets)
            print("")
            print(String(format: "peak RSS of this run: %.0f MB", rss))
        }
    }

    func measure(_ config: TrainingConfig, train: Dataset, test: Dataset, workers: Int, peak: Double, arithmetic: GEMM.ArithmeticPeaks,
                 reference: Reference?) throws -> Result {
        var config = config
        config.warmStart = .none  // speed only: the origin's weights do not change it
        let pattern = Pattern.ring(size: 16)
        let trainer = try Trainer(config: config, pattern: pattern, train: train, workers: workers)
        trainer.step()  // warm-up: first touches of every buffer
        let reps = quick ? 3 : 7
        var stepTimes: [Double] = []
        for _ in 0..<reps { stepTimes.append(trainer.step().seconds) }
        let step = median(stepTimes)
        let cellImages = Double(2 * config.cells * config.batchSize)
        let evalImages = config.preset == "live" ? 256 : 500
        let evaluator = try Evaluator(net: config.net, data: test.prefix(evalImages), workers: workers, compute: config.compute)
        let viewport = Viewport(pattern: pattern)
        _ = evaluator.evaluate(plane: trainer.plane, at: [(0, 0), (1, 1)])
        var mapTimes: [Double] = []
        for _ in 0..<(quick ? 3 : 5) {
            let start = Date()
            _ = evaluator.heatmap(plane: trainer.plane, viewport: viewport, split: .test, step: 0)
            mapTimes.append(Date().timeIntervalSince(start))
        }
        let map = median(mapTimes)
        let trainRate = cellImages / step, evalRate = Double(viewport.count * evalImages) / map
        let gflops = (trainRate * config.net.trainingFLOPs) / 1e9, evalGflops = evalRate * config.net.forwardFLOPs / 1e9
        let figures = reference?.presets[config.preset]
        let note = reference == nil ? "no --reference given" : figures == nil ? "the reference file has no \(config.preset) run" : ""
        let bf16 = config.compute.precision == .bf16
        let arith: Double? = bf16 ? arithmetic.dpbf16 : arithmetic.fma > 0 ? arithmetic.fma : nil
        return Result(
            preset: config.preset, precision: config.compute.precision.rawValue, isa: config.compute.isa.rawValue,
            net: ModelSpec.presets.first { $0.spec == config.net }?.name ?? "custom",
            batch: config.batchSize, cells: config.cells, train_cell_images_per_s: trainRate, train_step_seconds: step,
            eval_cell_images_per_s: evalRate, eval_images: evalImages, map_16x16_seconds: map, gflops: gflops,
            peak_fraction: gflops / peak, eval_gflops: evalGflops, eval_peak_fraction: evalGflops / peak,
            arith_peak: bf16 ? "bf16 vdpbf16ps zmm" : "fp32 FMA \(arithmetic.fmaVectors)", arith_peak_gflops: arith,
            arith_peak_fraction: arith.map { gflops / $0 }, eval_arith_peak_fraction: arith.map { evalGflops / $0 },
            pytorch_train_ratio: figures?.train.map { trainRate / $0 }, pytorch_eval_ratio: figures?.eval.map { evalRate / $0 },
            reference_note: note)
    }

    /// One network, one thread: the paper net's forward and backward time per image at batch 512.
    static func forwardBackwardPerImage(train: Dataset, reps: Int, compute: Compute) throws -> (forward: Double, backward: Double) {
        let n = 512
        let net = try Network(spec: .paper, capacity: n, compute: compute)
        var rng = Xoshiro256(seed: 1)
        let weights = net.layout.initialWeights(using: &rng)
        var sampler = MinibatchSampler(dataset: train, batchSize: n)
        sampler.next(using: &rng)
        var gradient = [Float](repeating: 0, count: weights.count)
        var forward: [Double] = [], backward: [Double] = []
        sampler.images.withUnsafeBufferPointer { x in
            sampler.labels.withUnsafeBufferPointer { y in
                weights.withUnsafeBufferPointer { w in
                    gradient.withUnsafeMutableBufferPointer { g in
                        for _ in 0..<(reps + 1) {
                            let t0 = Date()
                            net.forward(images: x.baseAddress!, count: n, weights: w.baseAddress!)
                            _ = net.crossEntropy(labels: y.baseAddress!, gradientWeight: 1)
                            let t1 = Date()
                            net.backward(weights: w.baseAddress!, gradient: g.baseAddress!)
                            let t2 = Date()
                            forward.append(t1.timeIntervalSince(t0) / Double(n))
                            backward.append(t2.timeIntervalSince(t1) / Double(n))
                        }
                    }
                }
            }
        }
        let m = { (v: [Double]) in v.dropFirst().sorted()[(v.count - 1) / 2] }
        return (m(forward), m(backward))
    }

    func median(_ x: [Double]) -> Double {
        let s = x.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    static func peakRSSMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// Runs this program again as `bench --memory-probe SIZE` and reads the peak RSS it reports.
    func runProbe(_ size: Int) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        if process.executableURL?.path.hasPrefix("/") != true {
            process.executableURL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0])
        }
        process.arguments = ["bench", "--memory-probe", String(size)]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard let mb = Double(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ValidationError("memory probe failed")
        }
        return mb
    }

    /// A few live-preset steps and a small map on a SIZE x SIZE ring; prints the peak RSS in MB.
    func probeMemory(size: Int) throws {
        let train = try DatasetKind.fashionMNIST.load(.train)
        let test = try DatasetKind.fashionMNIST.load(.test).prefix(256)
        let pattern = Pattern.ring(size: size)
        var config = TrainingConfig.live
        config.warmStart = .none
        let trainer = try Trainer(config: config, pattern: pattern, train: train, workers: workers ?? CPU.cores)
        for _ in 0..<3 { trainer.step() }
        let evaluator = try Evaluator(net: TrainingConfig.live.net, data: test, workers: workers ?? CPU.cores)
        _ = evaluator.heatmap(plane: trainer.plane, viewport: Viewport(fitting: pattern, rows: 4, cols: 4), split: .test, step: 0)
        print(String(format: "%.1f", Self.peakRSSMegabytes()))
    }
}
