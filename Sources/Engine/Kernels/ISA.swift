import CKernels
import Foundation

/// An instruction-set level for the kernels (lp_isa.h). x86-64: portable < avx2 < avx512 <
/// avx512bf16 < amx; aarch64: portable < neon. A run names one in its `Compute`; `MPO_ISA` caps
/// the default, so any path the CPU has can be tested and timed on it.
public enum ISA: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    case portable, avx2, avx512, avx512bf16, amx, neon

    public var description: String { rawValue }

    /// The C level passed to every kernel.
    public var level: Int32 {
        switch self {
        case .portable: return Int32(LP_ISA_PORTABLE)
        case .avx2: return Int32(LP_ISA_AVX2)
        case .avx512: return Int32(LP_ISA_AVX512)
        case .avx512bf16: return Int32(LP_ISA_AVX512_BF16)
        case .amx: return Int32(LP_ISA_AMX)
        case .neon: return Int32(LP_ISA_NEON)
        }
    }

    init?(level: Int32) {
        guard let isa = ISA.allCases.first(where: { $0.level == level }) else { return nil }
        self = isa
    }

    /// Accepts "avx512_bf16" as well.
    public init?(named name: String) {
        guard let isa = ISA(level: lp_isa_named(name)) else { return nil }
        self = isa
    }

    /// The highest level this CPU runs.
    public static let detected = ISA(level: lp_isa_detected()) ?? .portable

    /// Whether this CPU runs the level.
    public var isSupported: Bool { lp_isa_supported(level) != 0 }

    /// The levels of this CPU, lowest first (the ones tests run side by side).
    public static var supported: [ISA] { allCases.filter(\.isSupported) }

    /// MPO_ISA as set (nil when unset).
    public static var capSetting: String? {
        guard let v = getenv("MPO_ISA"), v.pointee != 0 else { return nil }
        return String(cString: v)
    }

    /// What runs when a run names no level: the CPU's, capped by MPO_ISA.
    public static let `default` = ISA(level: lp_isa_default()) ?? .portable

    /// Why `default` is what it is, for `mpo info` and `mpo bench`.
    public static var choiceReason: String {
        guard let cap = capSetting else { return "the CPU's highest; MPO_ISA unset" }
        guard let named = ISA(named: cap) else { return "MPO_ISA=\(cap) names no level; the CPU's highest level" }
        if named == .default { return "capped by MPO_ISA=\(cap)" }
        return "MPO_ISA=\(cap) is above this CPU (\(detected)); the CPU's highest level below it"
    }

    /// A one-line error when MPO_ISA is set to something that is not a level.
    public static func validateCapSetting() throws {
        if let cap = capSetting, ISA(named: cap) == nil {
            throw DataError("MPO_ISA", "'\(cap)' is not an ISA level (one of \(allCases.map(\.rawValue).joined(separator: ", ")))")
        }
    }
}
