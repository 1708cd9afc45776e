import Foundation

/// 24-bit colour through curses needs a terminfo entry whose colours are RGB values ("direct
/// colour"). Terminals announce 24-bit colour with COLORTERM while TERM names a 256-colour
/// entry, and the shipped "-direct" entries live in an optional package (ncurses-term). So when
/// none exists, compile one with `tic`: the TERM entry plus RGB colours, written as the widely
/// understood `ESC[38;2;R;G;Bm`, into a cache folder that TERMINFO_DIRS then includes.
enum DirectColorEntry {
    /// The name of a usable direct-colour entry for `term`, or nil (then 256 colours it is).
    static func make(for term: String, exists: (String) -> Bool) -> String? {
        let cache = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"].map { $0 + "/losspatterns" }
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache/losspatterns")
        let folder = (cache as NSString).appendingPathComponent("terminfo")
        // Before the first lookup, and existing: curses remembers its search path, without
        // folders that were missing when it first looked.
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addToSearchPath(folder)
        let base = term.hasSuffix("-256color") ? String(term.dropLast("-256color".count)) : term
        for candidate in [base + "-direct"] where exists(candidate) { return candidate }
        guard term.allSatisfy({ $0.isLetter || $0.isNumber || "-_.+".contains($0) }), exists(term) else { return nil }
        let name = term + "-lpdirect"
        if exists(name) { return name }
        guard let tic = ["/usr/bin/tic", "/bin/tic"].first(where: FileManager.default.isExecutableFile(atPath:)) else { return nil }
        let source = """
            \(name)|\(term) with 24-bit colour (made by LossPatterns),
            \tRGB, colors#0x1000000, pairs#0x10000, ccc@, initc@, oc@,
            \tsetaf=\\E[%?%p1%{8}%<%t3%p1%d%e38;2;%p1%{65536}%/%d;%p1%{256}%/%{255}%&%d;%p1%{255}%&%d%;m,
            \tsetab=\\E[%?%p1%{8}%<%t4%p1%d%e48;2;%p1%{65536}%/%d;%p1%{256}%/%{255}%&%d;%p1%{255}%&%d%;m,
            \tuse=\(term),

            """
        let file = (NSTemporaryDirectory() as NSString).appendingPathComponent("lp-direct-\(getpid()).src")
        defer { try? FileManager.default.removeItem(atPath: file) }
        do {
            try source.write(toFile: file, atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tic)
            p.arguments = ["-x", "-o", folder, file]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { return nil }
        } catch {
            return nil
        }
        return exists(name) ? name : nil
    }

    /// Puts `folder` first in TERMINFO_DIRS (an empty entry keeps the system's default places).
    private static func addToSearchPath(_ folder: String) {
        let current = ProcessInfo.processInfo.environment["TERMINFO_DIRS"] ?? ""
        guard !current.split(separator: ":").contains(Substring(folder)) else { return }
        setenv("TERMINFO_DIRS", folder + ":" + current, 1)
    }
}
