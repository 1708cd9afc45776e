import Foundation

/// Facts about the processor that choose code paths at run time.
public enum CPU {
    /// The model name from /proc/cpuinfo, e.g. "AMD EPYC".
    public static let modelName: String = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        #if arch(arm64)
        return "unknown aarch64 CPU"  // ARM kernels rarely name themselves in /proc/cpuinfo
        #else
        return "unknown"
        #endif
    }()

    /// Feature flags from /proc/cpuinfo.
    public static let flags: Set<String> = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
        // x86 says "flags", aarch64 "Features"
        for line in text.split(separator: "\n") where line.hasPrefix("flags") || line.hasPrefix("Features") {
            return Set(line.split(separator: ":").dropFirst().joined().split(separator: " ").map(String.init))
        }
        return []
    }()

    public static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }
    public static var hasAVX512: Bool { flags.contains("avx512f") }
    public static var hasAVX512BF16: Bool { flags.contains("avx512_bf16") }
    public static var hasAMX: Bool { flags.contains("amx_tile") && flags.contains("amx_bf16") }
}
