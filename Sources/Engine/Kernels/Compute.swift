import CKernels

/// How a run computes: the ISA level its kernels may use and the GEMM precision. It travels with
/// the run's configuration into every network, so two runs in one process can use different
/// paths, and a checkpoint records what produced it.
public struct Compute: Hashable, Sendable, Codable, CustomStringConvertible {
    public var isa: ISA
    public var precision: GEMM.Precision

    public init(isa: ISA = .default, precision: GEMM.Precision = .fp32) {
        self.isa = isa
        self.precision = precision
    }

    /// The reference: fp32 at the process's default level.
    public static var `default`: Compute { Compute() }

    /// Whether the level runs the bf16 kernel at speed.
    public var bf16Fast: Bool { Compute.bf16Fast(on: isa) }

    public static func bf16Fast(on isa: ISA) -> Bool {
        lp_isa_allows_bf16(isa)
    }

    /// A precision named "fp32", "bf16" or "auto" at a level: auto is the path `Calibration`
    /// measured fastest at that level on this CPU (fp32 where there is no other; `note` hears a
    /// calibration). nil for other names.
    public static func resolve(precision name: String, isa: ISA = .default, note: Calibration.Note = { _ in }) -> Compute? {
        if name == "auto" { return Calibration.chosen(level: isa, note: note) }
        guard let p = GEMM.Precision(rawValue: name) else { return nil }
        return Compute(isa: isa, precision: p)
    }

    public var description: String { "\(precision.rawValue), \(isa)" }
}

private func lp_isa_allows_bf16(_ isa: ISA) -> Bool {
    lp_isa_allows(isa.level, Int32(LP_ISA_AVX512_BF16)) != 0
}
