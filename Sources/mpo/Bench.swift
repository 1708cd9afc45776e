import ArgumentParser
import Engine
import Foundation
import MPO

/// `mpo bench`: training and evaluation throughput of the engine, as medians after a warm-up,
/// next to the PyTorch yardstick and the machine's measured SGEMM peak.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure training and evaluation speed (release build).")

    @Flag(help: "Fewer repetitions: finishes in under a minute.") var quick = false
    @Flag(help: "One JSON object on stdout instead of the table.") var json = false
    @Option(help: "Worker threads (default: all cores).") var workers: Int?
    @Option(help: "Presets to measure, comma-separated.") var presets = "paper,live"
    @Option(help: "Skip the memory probe (16x16 vs 64x64 pattern).") var memory = true
    @Option(help: .hidden) var memoryProbe: Int?
    @Option(help: "GEMM precision to measure: fp32, bf16, auto, or all (default: every precision this CPU runs fast).")
    var precision = "all"

    /// The PyTorch reference of the same algorithm on this 2-core machine (../shared/reference).
    static let pytorch: [String: (train: Double, eval: Double)] = ["paper": (3737, 8625), "live": (3365, 8625)]

    struct Result: Codable {
        var preset: String
        var precision: String
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
        var pytorch_train_ratio: Double
        var pytorch_eval_ratio: Double
    }

    func run() throws {
        if let size = memoryProbe { return try probeMemory(size: size) }
        let workers = self.workers ?? CPU.cores
        let backend = GEMM.backend
        let train = try DatasetKind.fashionMNIST.load(.train)
        let test = try DatasetKind.fashionMNIST.load(.test)
        let precisions: [GEMM.Precision]
        if precision == "all" {
            precisions = GEMM.bf16Available ? [.fp32, .bf16] : [.fp32]
        } else {
            precisions = [try PrecisionOption.resolve(precision)]
        }
        GEMM.precision = .fp32
        let peak = GEMM.measuredPeak(threads: workers, seconds: quick ? 0.3 : 1)
        if !json {
            print("LossPatterns bench: \(CPU.modelName), \(CPU.cores) cores, \(workers) worker(s)")
            print("GEMM: \(backend); bf16 kernel (AVX512_BF16): \(GEMM.bf16Available ? "available" : "not on this CPU")")
            if backend.coreSource == "user", CPU.hasAVX512, backend.core != "SkylakeX" {
                print("  note: OPENBLAS_CORETYPE=\(backend.core) is set in the environment and respected; this CPU runs the faster SkylakeX kernels when it is unset")
            }
            print(String(format: "fp32 SGEMM peak (%d x single-thread 1024^3): %.0f GFLOP/s; 'of peak' below is against it", workers, peak))
            print("")
            print("preset  prec  net    batch  cells   train cell-img/s   x PyTorch   eval cell-img/s   x PyTorch   GFLOP/s  of peak   step s   16x16 map s")
        }
        var results: [String: [String: Result]] = [:]  // precision -> preset -> result
        for p in precisions {
            GEMM.precision = p
            for name in presets.split(separator: ",").map(String.init) {
                guard let config = TrainingConfig.preset(named: name) else { throw ValidationError("unknown preset \(name)") }
                let r = try measure(config, train: train, test: test, workers: workers, peak: peak)
                results[p.rawValue, default: [:]][name] = r
                if !json {
                    let net = ModelSpec.presets.first { $0.spec == config.net }?.name ?? "custom"
                    // String(format:) ignores widths on %@, so the text columns are padded here.
                    let label = [(name, 8), (p.rawValue, 6), (net, 6)].map { $0.0.padding(toLength: $0.1, withPad: " ", startingAt: 0) }.joined()
                    print(label + String(format: " %5d  %2d+%-2d  %17.0f  %9.1fx  %16.0f  %9.1fx  %8.0f  %6.0f%%  %7.3f  %11.2f",
                                 r.batch, r.cells, r.cells, r.train_cell_images_per_s, r.pytorch_train_ratio,
                                 r.eval_cell_images_per_s, r.pytorch_eval_ratio, r.gflops, 100 * r.peak_fraction,
                                 r.train_step_seconds, r.map_16x16_seconds))
                }
            }
        }
        var perImage: [String: (forward: Double, backward: Double)] = [:]
        for p in precisions {
            GEMM.precision = p
            let t = try Self.forwardBackwardPerImage(train: train, reps: quick ? 5 : 11)
            perImage[p.rawValue] = t
            if !json {
                if p == precisions.first { print("") }
                print(String(format: "paper net, batch 512, one thread, %@: forward %.1f us/image, backward %.1f us/image (medians of %d)",
                             p.rawValue as NSString, t.forward * 1e6, t.backward * 1e6, quick ? 5 : 11))
            }
        }
        // The fastest precision measured answers the top-level questions (and runs the live-feel probe).
        GEMM.precision = precisions.last!
        let live = try Self.measureLiveFeel(images: 256, seconds: quick ? 10 : 30, workers: workers)
        if !json {
            print(String(format: "live feel, %@ (the explorer's engine, live preset, 16x16 ring, 16x16 map over %d test images): %.1f steps/s while a new map completes every %.2f s; %.2f s per map when paused",
                         GEMM.precision.rawValue as NSString, live.eval_images, live.steps_per_s_while_mapping, live.map_seconds_while_training, live.map_seconds_paused))
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
        let targets = Self.targets(results: results, live: live, memory: memoryReport)
        if json {
            var object: [String: Any] = [
                "backend": "\(backend.name) \(backend.core)", "core_source": backend.coreSource,
                "threads_per_call": backend.threadsPerCall, "workers": workers, "precision": GEMM.precision.rawValue,
                "sgemm_peak_gflops": peak, "peak_rss_mb": rss, "cpu": CPU.modelName,
            ]
            // Top level: the fastest precision measured; "by_precision" holds every one.
            for (k, r) in results[GEMM.precision.rawValue] ?? [:] {
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
            print("PyTorch yardstick (../shared/reference, same algorithm, this machine type): train 3,737 (paper) / 3,365 (live) cell-img/s, eval 8,625 cell-img/s")
        }
    }

    func measure(_ config: TrainingConfig, train: Dataset, test: Dataset, workers: Int, peak: Double) throws -> Result {
        let pattern = Pattern.ring(size: 16)
        let trainer = try Trainer(config: config, pattern: pattern, train: train, workers: workers)
        trainer.step()  // warm-up: first touches of every buffer
        let reps = quick ? 3 : 7
        var stepTimes: [Double] = []
        for _ in 0..<reps { stepTimes.append(trainer.step().seconds) }
        let step = median(stepTimes)
        let cellImages = Double(2 * config.cells * config.batchSize)
        let evalImages = config.preset == "live" ? 256 : 500
        let evaluator = try Evaluator(net: config.net, data: test.prefix(evalImages), workers: workers)
        let viewport = Viewport(pattern: pattern)
        _ = evaluator.evaluate(plane: trainer.plane, at: [(0, 0), (1, 1)])
        var mapTimes: [Double] = []
        for _ in 0..<(quick ? 2 : 3) {
            let start = Date()
            _ = evaluator.heatmap(plane: trainer.plane, viewport: viewport, split: .test, step: 0)
            mapTimes.append(Date().timeIntervalSince(start))
        }
        let map = median(mapTimes)
        let trainRate = cellImages / step, evalRate = Double(viewport.count * evalImages) / map
        let gflops = (trainRate * config.net.trainingFLOPs) / 1e9
        let reference = Self.pytorch[config.preset] ?? (3737, 8625)
        return Result(
            preset: config.preset, precision: GEMM.precision.rawValue, net: ModelSpec.presets.first { $0.spec == config.net }?.name ?? "custom",
            batch: config.batchSize, cells: config.cells, train_cell_images_per_s: trainRate, train_step_seconds: step,
            eval_cell_images_per_s: evalRate, eval_images: evalImages, map_16x16_seconds: map, gflops: gflops,
            peak_fraction: gflops / peak, pytorch_train_ratio: trainRate / reference.train,
            pytorch_eval_ratio: evalRate / reference.eval)
    }

    /// One network, one thread: the paper net's forward and backward time per image at batch 512.
    static func forwardBackwardPerImage(train: Dataset, reps: Int) throws -> (forward: Double, backward: Double) {
        let n = 512
        let net = try Network(spec: .paper, capacity: n)
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
        let trainer = try Trainer(config: .live, pattern: pattern, train: train, workers: workers ?? CPU.cores)
        for _ in 0..<3 { trainer.step() }
        let evaluator = try Evaluator(net: TrainingConfig.live.net, data: test, workers: workers ?? CPU.cores)
        _ = evaluator.heatmap(plane: trainer.plane, viewport: Viewport(fitting: pattern, rows: 4, cols: 4), split: .test, step: 0)
        print(String(format: "%.1f", Self.peakRSSMegabytes()))
    }
}
