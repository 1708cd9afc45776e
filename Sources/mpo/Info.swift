import ArgumentParser
import Engine
import Foundation
import MPO

/// `mpo info`: what the engine runs on — GEMM backend and kernels, CPU, data, presets.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the compute backend, CPU, datasets and presets; or, given files, the net of each.")

    @Argument(help: "Plane checkpoints, models or PyTorch state_dicts to describe instead: kind, net (as --net takes it), P, step.")
    var files: [String] = []
    @Option(help: NetOption.help("for PyTorch state_dicts that do not say")) var net: String?
    @Flag(help: "Print the --net's layer plan as JSON instead: each module's torch.nn class, shapes, FLOPs and parameters (names, shapes, offsets, initialisation), as the companion's tests read it.")
    var plan = false

    func validate() throws {
        try NetOption.check(net, dataset: nil)
        if plan && (net == nil || !files.isEmpty) {
            throw ValidationError("--plan: describes the net given with --net, and no files")
        }
        for f in files {
            do { try ByteReader.checkRegularFile(f) } catch let e as DataError { throw OptionCheck.fail("file", OptionCheck.shown(f), e.problem) }
        }
    }

    func run() throws {
        if plan, let net {
            print(LayerPlan(try NetOption.spec(net, dataset: nil)).json)
            return
        }
        if !files.isEmpty {
            let given = try net.map { try NetOption.spec($0, dataset: nil) }
            for f in files {
                let description = try Self.describe(f, net: given)
                print("\(f): \(description)")
            }
            return
        }
        do { try ISA.validateCapSetting() } catch { throw ValidationError("\(error)") }
        let b = GEMM.backend
        print("GEMM backend : \(b.name)")
        print("  core       : \(b.core) (\(b.coreSource == "user" ? "set by OPENBLAS_CORETYPE" : b.coreSource == "auto" ? "chosen from the ISA level" : "OpenBLAS's own detection"))")
        print("  threads    : \(b.threadsPerCall) per call; work is split over \(CPU.cores) cores by the engine")
        print("  config     : \(b.configuration)")
        if !b.loadError.isEmpty { print("  note       : OpenBLAS not loaded (\(b.loadError)); using the built-in GEMM") }
        let auto = Calibration.record(note: PrecisionOption.note)
        print("precision    : --precision auto (the default) runs \(auto.summary)")
        print("               measured on this CPU and build \(auto.timings.isEmpty ? "(nothing to choose at this level)" : "at \(auto.measuredAt)"); mpo bench --calibrate measures again; fp32 is the reference")
        let features = ["avx2", "fma", "avx512f", "avx512_bf16", "amx_tile", "asimd"].filter { CPU.flags.contains($0) }
        print("CPU          : \(CPU.modelName), \(CPU.cores) cores, \(features.joined(separator: " "))")
        print("ISA level    : \(ISA.default) (\(ISA.choiceReason)); this CPU runs \(ISA.supported.map(\.rawValue).joined(separator: ", "))")
        print("               MPO_ISA=\(ISA.allCases.map(\.rawValue).joined(separator: "|")) caps it (tests and benchmarks of lower paths)")
        let dir = DatasetKind.debianFashionMNIST
        let present = FileManager.default.fileExists(atPath: dir + "/train-images-idx3-ubyte.gz")
        print("FashionMNIST : \(dir) \(present ? "(present)" : "(missing: apt-get install dataset-fashion-mnist)")")
        print("Nets:")
        for (name, spec) in ModelSpec.presets {
            print("  \(name.padding(toLength: 9, withPad: " ", startingAt: 0)) P = \(ParameterLayout(spec).count)  \(spec.text)")
        }
        print("--net takes these names or a description (see mpo train --help).")
    }

    /// For a BatchNorm net, the statistics it is evaluated with unless --bn-stats says otherwise.
    static func bn(_ net: ModelSpec, running: Bool, mpo: Bool = false, tracked: Int? = nil) -> String {
        guard net.batchNorm else { return "" }
        if mpo { return "; BatchNorm: batch statistics (an MPO plane has no running statistics)" }
        guard running else { return "; BatchNorm: no running statistics, evaluated with batch statistics (--bn-stats batch; or recompute)" }
        return "; BatchNorm: running statistics\(tracked.map { " (\($0) batches tracked)" } ?? ""), evaluated with them (--bn-stats running; or batch, recompute)"
    }

    /// One file's kind, net and size; a state_dict that names no net (and no --net) lists its
    /// parameters in the order they would be matched, to write the --net from.
    static func describe(_ path: String, net given: ModelSpec?) throws -> String {
        let file = try Safetensors.read(path: path)
        func size(_ net: ModelSpec) -> String { "net \(net.quoted), P = \(ParameterLayout(net).count)" }
        switch file.metadata["format"] {
        case Checkpoint.format:
            switch try PlaneFile.read(path: path) {
            case .mpo(let c):
                return "plane checkpoint, \(size(c.config.net)), step \(c.step), pattern \(c.pattern.name) \(c.pattern.width)x\(c.pattern.height), \(c.config.dataset.rawValue)"
                    + bn(c.config.net, running: false, mpo: true)
            case .directions(let d):
                let eigen = d.eigenvalues.isEmpty ? "" : ", Hessian eigenvalues " + d.eigenvalues.map { String(format: "%.6g", $0) }.joined(separator: ", ")
                return "\(d.kind.rawValue) plane (\(d.description)), \(size(d.net)), \(d.dataset.rawValue)\(eigen)" + bn(d.net, running: d.statistics != nil)
            }
        case ModelFile.format:
            let m = try ModelFile.read(path: path)
            return "model, \(size(m.net)), step \(m.step), \(m.settings.dataset.rawValue), \(m.settings.optimizer.rawValue)"
                + bn(m.net, running: m.statistics != nil, tracked: m.batchesTracked)
        case _ where TorchStateDict.isStateDict(file):
            if given == nil && file.metadata["net"] == nil {
                let rows = TorchStateDict.orderedParameters(file).map { "  \(Safetensors.printable($0.name, limit: 60)) \($0.tensor.shape)" }
                return (["PyTorch state_dict that does not say its net (give --net); its parameters in the order matched:"] + rows).joined(separator: "\n")
            }
            let model = try ModelFile.read(path: path, net: given)
            return "PyTorch state_dict, \(size(model.net))" + bn(model.net, running: model.statistics != nil, tracked: model.batchesTracked)
        case let format:
            throw DataError(path, "not a plane, a model or a PyTorch state_dict (format \"\(Safetensors.printable(format ?? ""))\")")
        }
    }
}
