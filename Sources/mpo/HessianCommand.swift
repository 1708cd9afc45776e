import ArgumentParser
import Engine
import Foundation
import MPO

/// `mpo hessian`: the curvature of a model's loss — the Hessian's top eigenvalues, its trace, its
/// eigenvalue density, per-tensor top eigenvalues and the batch noise of all of them.
struct HessianCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hessian",
        abstract: "The loss Hessian's top eigenvalues (Lanczos), trace (Hutchinson) and eigenvalue density (stochastic Lanczos quadrature) at a model or a plane's point.",
        discussion: """
            mpo hessian Checkpoints/run1.safetensors --top 2
            mpo hessian run1.safetensors --trace-samples 20 --batches 5 --json
            mpo hessian run1.safetensors --density --out run1-density.png
            mpo hessian Checkpoints/heart.safetensors --at 8,8      (a cell of a trained MPO plane)
            mpo hessian run1-random.safetensors --at=-0.5,0.25     (α,β of a direction plane; a value that starts with - needs the =)

            The loss is the mean cross-entropy over the split's first --eval-images images (with --batches B, \
            B disjoint batches of that many: images [0, N), [N, 2N), ...; results as mean +- std over them). \
            Hessian-vector products are exact (forward over backward through every layer, as PyTorch's double \
            backward: ReLU and max-pool differentiated with their kinks held) in fp32; --hvp differences uses \
            central differences of gradients instead, for comparison (less accurate on ReLU nets: see README). \
            A BatchNorm net sees all the images of a batch at once (batch statistics, as maps use). \
            "Top" means largest, not largest in magnitude: at a minimum they are the sharpest directions.
            """)

    @Argument(help: "A model from `mpo fit`, a PyTorch state_dict (with --net), or with --at a plane checkpoint.") var model: String
    @Option(help: ArgumentHelp("A point of the plane MODEL instead of a model: ROW,COL of a trained MPO plane, α,β of a direction plane.", valueName: "position")) var at: String?
    @Option(help: "Eigenvalues to find, largest first, 1...100 (at most the parameter count).") var top = 2
    @Option(help: "Hutchinson probes for the trace, 0...10000 (0: no trace).") var traceSamples = 0
    @Flag(help: "Also the eigenvalue density by stochastic Lanczos quadrature, written to --out (.png or .csv).") var density = false
    @Option(help: "Density: random probes, 1...100.") var densityProbes = 1
    @Option(help: "Density: Lanczos steps per probe, 2...1000.") var densitySteps = 80
    @Option(help: "Where --density writes: a .png plot or a .csv table.") var out: String?
    @Flag(help: "Also each weight tensor's top eigenvalue (the Hessian's block on that tensor), on the first batch.") var perLayer = false
    @Option(help: "Images per batch (the split's first N), 1...60000; at most 10000 for a BatchNorm net.") var evalImages = 1000
    @Option(help: "Data split: train or test.") var split = "train"
    @Option(help: "Disjoint batches of --eval-images each, 1...1000: each is measured, and mean +- std reported.") var batches = 1
    @Option(help: "Lanczos stops when every wanted eigenpair's residual |Hv - λv| is at most this times the largest |λ|; above 0, at most 0.5.") var tolerance = 1e-3
    @Option(help: "Lanczos steps (Hessian-vector products) at most, per eigenvalue search, 2...2000.") var maxSteps = 200
    @Option(help: "Hessian-vector products: exact or differences.") var hvp = "exact"
    @Option(help: "--hvp differences: the step along the unit direction, above 0, at most 1.") var step: Double = 3e-3
    @Option(help: "Seed of the start vectors and probes, 0...2^64-1.") var seed: UInt64 = 0
    @Flag(help: "Print one JSON object: {\"eigenvalues\": [...], \"trace\": ..., ...}.") var json = false
    @Option(help: "Folder with the dataset's files (default for fashion-mnist: /usr/share/datasets/fashion-mnist).") var data: String?
    @Option(help: "Worker threads, 1 or more; capped at the cores (default: all cores; a BatchNorm net uses one).") var workers: Int?
    @Option(help: NetOption.help("for a PyTorch state_dict that does not say; files of ours say their own")) var net: String?

    func run() throws {
        let point = try ModelPoint.open(model, at: at, net: net)
        let p = ParameterLayout(point.net).count
        let split = Split(rawValue: self.split)!
        let all = try point.dataset.load(split, from: data ?? point.dataDirectory)
        guard batches * evalImages <= all.count else {
            throw DataError(all.name, "has \(all.count) images, fewer than --batches \(batches) x --eval-images \(evalImages)")
        }
        let workers = OptionCheck.resolvedWorkers(workers), method = HessianVectorProduct.Method(rawValue: hvp)!
        var report = HessianReport(method: method, split: split.rawValue, images: evalImages, parameters: p)
        let progress = Progress(enabled: isatty(2) != 0)
        let start = Date()  // the Hessian's work, after the model and the images are in memory
        if !json { print("hessian of \(point.label): net \(point.net.summary), P = \(p), \(evalImages) \(split.rawValue) images\(batches > 1 ? " x \(batches) batches" : ""), \(method.rawValue) products") }
        for b in 0..<batches {
            let images = all.slice((b * evalImages)..<((b + 1) * evalImages))
            let spectrum = try HessianSpectrum(net: point.net, weights: point.weights, data: images, method: method, step: Float(step), workers: workers)
            let tag = batches > 1 ? "batch \(b + 1)/\(batches): " : ""
            let found = try spectrum.top(k: top, tolerance: tolerance, maxSteps: maxSteps, seed: seed &+ UInt64(b)) {
                progress.show("\(tag)Lanczos step \($0.step): " + $0.estimates.map { String(format: "%.5g", $0) }.joined(separator: ", ")
                              + String(format: " (residual %.1e)", $0.residual))
            }
            let trace = traceSamples == 0 ? nil : try spectrum.trace(samples: traceSamples, seed: seed &+ 1_000_003 &+ UInt64(b)) {
                progress.show("\(tag)trace probe \($0)/\(traceSamples)")
            }
            report.batches.append(.init(
                eigenvalues: found.values, residuals: found.residuals, steps: found.steps, converged: found.converged, trace: trace,
                loss: spectrum.product.loss ?? .nan, accuracy: spectrum.product.accuracy ?? .nan))
            if b == 0 {
                if perLayer { report.layers = try layers(spectrum, point.net, progress) }
                if density, let out { report.density = try writeDensity(spectrum, out: out, title: "Hessian density, " + point.label, progress) }
            }
            report.products += spectrum.product.products
        }
        progress.done()
        report.seconds = Date().timeIntervalSince(start)
        if json { return print(report.json) }
        print(Self.text(report))
    }

    /// Top eigenvalue of each weight tensor's block (names ending in "weight": convolution, BatchNorm scale, linear).
    func layers(_ spectrum: HessianSpectrum, _ net: ModelSpec, _ progress: Progress) throws -> [HessianReport.Layer] {
        try ParameterLayout(net).entries.filter { $0.name.hasSuffix("weight") }.map { e in
            let r = try spectrum.topOfBlock(e.range, tolerance: tolerance, maxSteps: maxSteps, seed: seed) {
                progress.show("per layer, \(e.name): step \($0.step), \($0.estimates.first.map { String(format: "%.5g", $0) } ?? "")")
            }
            return HessianReport.Layer(name: e.name, count: e.count, eigenvalue: r.values.first ?? .nan)
        }
    }

    func writeDensity(_ spectrum: HessianSpectrum, out: String, title: String, _ progress: Progress) throws -> String {
        let steps = min(densitySteps, spectrum.parameterCount)
        let d = try spectrum.density(probes: densityProbes, steps: steps, seed: seed &+ 7) {
            progress.show("density: product \($0)/\(densityProbes * steps)")
        }
        let bytes = out.hasSuffix(".png") ? d.plot(title: title).png : Array(d.csv().utf8)
        try AtomicFile.write(bytes, to: out)
        return out
    }

    static func text(_ r: HessianReport) -> String {
        func pm(_ x: (mean: Double, std: Double)) -> String {
            r.batches.count > 1 ? String(format: "%.6g +- %.3g", x.mean, x.std) : String(format: "%.6g", x.mean)
        }
        var lines = r.eigenvalues.enumerated().map { "λ\($0.offset + 1) = \(pm($0.element))" }
        if let first = r.batches.first {
            lines.append(String(format: "loss %.4f, accuracy %.2f%%; Lanczos %d steps, residuals %@%@", first.loss, 100 * first.accuracy, first.steps,
                                first.residuals.map { String(format: "%.1e", $0) }.joined(separator: ", "), first.converged ? "" : " (NOT converged: raise --max-steps)"))
        }
        if let t = r.trace {
            let se = r.batches.count == 1 ? r.batches[0].trace.map { String(format: " (standard error %.3g, %d probes)", $0.standardError, $0.samples.count) } ?? "" : ""
            lines.append("trace ≈ \(pm(t))\(se)")
        }
        if !r.layers.isEmpty {
            lines.append("per layer (top eigenvalue of each weight tensor's block):")
            lines += r.layers.map { String(format: "  %-12@ %8d params  λ = %.6g", $0.name, $0.count, $0.eigenvalue) }
        }
        if let d = r.density { lines.append("wrote \(d)") }
        lines.append(String(format: "%d Hessian-vector products in %.1f s", r.products, r.seconds))
        return lines.joined(separator: "\n")
    }

    /// One line on stderr, redrawn, when stderr is a terminal.
    final class Progress {
        let enabled: Bool
        private var last = Date.distantPast
        init(enabled: Bool) { self.enabled = enabled }
        func show(_ text: String) {
            guard enabled, Date().timeIntervalSince(last) > 0.2 else { return }
            last = Date()
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
        }
        func done() { if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) } }
    }
}
