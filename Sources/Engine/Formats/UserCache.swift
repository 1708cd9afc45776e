import Foundation

/// The user's cache folder for what LossPatterns measures or trains once and reuses: the
/// precision calibration, warm-start nets, terminfo entries. `$XDG_CACHE_HOME/losspatterns`,
/// else `~/.cache/losspatterns`. Nothing in it is trusted: every reader validates what it reads
/// and rebuilds an entry it cannot use.
public enum UserCache {
    public static var folder: String {
        if let xdg = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return (xdg as NSString).appendingPathComponent("losspatterns")
        }
        return (NSHomeDirectory() as NSString).appendingPathComponent(".cache/losspatterns")
    }

    /// The path of `name` in the sub-folder `kind`, creating the folders.
    public static func path(_ kind: String, _ name: String) throws -> String {
        let dir = (folder as NSString).appendingPathComponent(kind)
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw DataError(dir, "cannot create the cache folder: \(error.localizedDescription)")
        }
        return (dir as NSString).appendingPathComponent(name)
    }

    /// A short, stable file-name stem for a key (FNV-1a 64, hex): keys hold slashes and spaces.
    public static func stem(_ key: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return String(h, radix: 16)
    }

    /// What tells one build of the program from another: the executable's size and modification
    /// time (a rebuilt binary measures again).
    public static let buildIdentity: String = {
        var st = stat()
        guard stat("/proc/self/exe", &st) == 0 else { return "unknown-build" }
        return "\(st.st_size)-\(st.st_mtim.tv_sec)"
    }()
}
