import ArgumentParser
import Engine
import Foundation

/// `--precision`, shared by every command that computes: fp32 (the reference), bf16 (inputs of
/// every product rounded to bfloat16, fp32 sums; ~2x faster GEMMs where the CPU has AVX512_BF16),
/// or auto (the default: whichever path `Calibration` measured fastest on this CPU). The ISA level
/// is the CPU's, capped by the MPO_ISA environment variable.
struct PrecisionOption: ParsableArguments {
    @Option(help: "GEMM precision: fp32 (the reference), bf16 (bfloat16 products, fp32 sums; needs AVX512_BF16), or auto (the path measured fastest on this CPU: see mpo info; mpo bench --calibrate measures again). The ISA level is the CPU's highest, capped by MPO_ISA=portable|avx2|avx512|avx512bf16.")
    var precision = "auto"

    /// The run's compute: this precision at the process's ISA level.
    func compute() throws -> Compute { try Self.resolve(precision) }

    /// What auto chose and the measured ratios (nil when a precision was named).
    var choice: String? { precision == "auto" ? Calibration.record(note: Self.note).summary : nil }

    /// What `--precision auto` measures or ignores, said on stderr (before any screen opens).
    static func note(_ text: String) {
        FileHandle.standardError.write(Data(("note: " + text + "\n").utf8))
    }

    /// What a precision name asks for at an ISA level, or a usage error saying why not.
    static func resolve(_ name: String, isa: ISA = .default) throws -> Compute {
        do { try ISA.validateCapSetting() } catch { throw ValidationError("\(error)") }
        guard let c = Compute.resolve(precision: name, isa: isa, note: note) else {
            throw ValidationError("unknown precision \(name); use fp32, bf16 or auto")
        }
        if c.precision == .bf16 && !c.bf16Fast {
            throw ValidationError("--precision bf16 needs AVX512_BF16, which the ISA level \(isa) lacks (use fp32 or auto)")
        }
        return c
    }
}
