import ArgumentParser
import Engine

/// `--precision`, shared by every command that computes: fp32 (OpenBLAS, the reference), bf16
/// (inputs of every product rounded to bfloat16, fp32 sums; ~2x faster GEMMs where the CPU has
/// AVX512_BF16), or auto (bf16 where available; the default, since fits on ring16 match fp32's).
struct PrecisionOption: ParsableArguments {
    @Option(help: "GEMM precision: fp32 (the reference), bf16 (bfloat16 products, fp32 sums; needs AVX512_BF16), or auto (bf16 where the CPU has it).")
    var precision = "auto"

    /// Sets the process-wide GEMM precision; call before any work starts.
    func apply() throws { GEMM.precision = try Self.resolve(precision) }

    /// The precision a name asks for on this CPU, or a usage error saying why not.
    static func resolve(_ name: String) throws -> GEMM.Precision {
        guard let p = GEMM.precision(named: name) else {
            throw ValidationError("unknown precision \(name); use fp32, bf16 or auto")
        }
        if p == .bf16 && !GEMM.bf16Available {
            throw ValidationError("--precision bf16 needs AVX512_BF16, which this CPU lacks (use fp32 or auto)")
        }
        return p
    }
}
