import ArgumentParser
import Engine
import Foundation

/// `mpo info`: what the engine runs on — GEMM backend and kernels, CPU, data, presets.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the compute backend, CPU, datasets and presets.")

    func run() throws {
        do { try ISA.validateCapSetting() } catch { throw ValidationError("\(error)") }
        let b = GEMM.backend
        print("GEMM backend : \(b.name)")
        print("  core       : \(b.core) (\(b.coreSource == "user" ? "set by OPENBLAS_CORETYPE" : b.coreSource == "auto" ? "chosen from the ISA level" : "OpenBLAS's own detection"))")
        print("  threads    : \(b.threadsPerCall) per call; work is split over \(CPU.cores) cores by the engine")
        print("  config     : \(b.configuration)")
        if !b.loadError.isEmpty { print("  note       : OpenBLAS not loaded (\(b.loadError)); using the built-in GEMM") }
        let auto = Compute.resolve(precision: "auto")!
        print("precision    : --precision auto (the default) runs \(auto.precision.rawValue)\(auto.bf16Fast ? " (AVX512_BF16 kernel)" : "; no AVX512_BF16 at this level"); fp32 is the reference")
        let features = ["avx2", "fma", "avx512f", "avx512_bf16", "amx_tile", "asimd"].filter { CPU.flags.contains($0) }
        print("CPU          : \(CPU.modelName), \(CPU.cores) cores, \(features.joined(separator: " "))")
        print("ISA level    : \(ISA.default) (\(ISA.choiceReason)); this CPU runs \(ISA.supported.map(\.rawValue).joined(separator: ", "))")
        print("               MPO_ISA=\(ISA.allCases.map(\.rawValue).joined(separator: "|")) caps it (tests and benchmarks of lower paths)")
        let dir = DatasetKind.debianFashionMNIST
        let present = FileManager.default.fileExists(atPath: dir + "/train-images-idx3-ubyte.gz")
        print("FashionMNIST : \(dir) \(present ? "(present)" : "(missing: apt-get install dataset-fashion-mnist)")")
        print("Nets:")
        for (name, spec) in ModelSpec.presets {
            print("  \(name.padding(toLength: 9, withPad: " ", startingAt: 0)) P = \(ParameterLayout(spec).count)  \(spec.summary)")
        }
    }
}
