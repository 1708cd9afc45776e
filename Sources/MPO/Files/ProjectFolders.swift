import Foundation

/// Where shipped patterns and saved checkpoints live: `Patterns/` and `Checkpoints/` of the
/// project folder — `$LOSSPATTERNS_HOME` if set, else the current directory or the nearest
/// ancestor of the executable that has a `Patterns/` folder (so `.build/release/mpo` finds them).
public struct ProjectFolders: Sendable {
    public var root: String

    public init(root: String) { self.root = root }

    public static func locate() -> ProjectFolders {
        let env = ProcessInfo.processInfo.environment
        if let home = env["LOSSPATTERNS_HOME"], !home.isEmpty { return ProjectFolders(root: home) }
        let fm = FileManager.default
        let cwd = fm.currentDirectoryPath
        if fm.fileExists(atPath: cwd + "/Patterns") { return ProjectFolders(root: cwd) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while dir.path != "/" {
            if fm.fileExists(atPath: dir.appendingPathComponent("Patterns").path) { return ProjectFolders(root: dir.path) }
            dir.deleteLastPathComponent()
        }
        return ProjectFolders(root: cwd)
    }

    public var patterns: String { (root as NSString).appendingPathComponent("Patterns") }
    public var checkpoints: String { (root as NSString).appendingPathComponent("Checkpoints") }
    /// Shipped warm-start origins (`WarmStart`), with a README saying how each was made.
    public var warmStarts: String { (root as NSString).appendingPathComponent("WarmStarts") }

    /// The default pattern, shipped in Patterns/: a filled heart reads at a glance and emerges
    /// fast (one outline, its inside ignored) — recognisable after ~100 s of live training on two
    /// cores, where the smiley's eyes and mouth need several hundred more steps.
    public static let defaultPattern = "heart"

    /// A pattern by file path, or by the name of a shipped one ("ring" -> Patterns/ring.pbm).
    public func loadPattern(_ nameOrPath: String) throws -> Pattern {
        let fm = FileManager.default
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".pbm") || fm.fileExists(atPath: nameOrPath) {
            return try Pattern.readPBM(path: nameOrPath)
        }
        let shipped = (patterns as NSString).appendingPathComponent(nameOrPath + ".pbm")
        if fm.fileExists(atPath: shipped) { return try Pattern.readPBM(path: shipped) }
        let known = shippedPatternNames()
        throw PatternNotFound(name: nameOrPath, known: known)
    }

    public func shippedPatternNames() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: patterns)) ?? [])
            .filter { $0.hasSuffix(".pbm") }.map { String($0.dropLast(4)) }.sorted()
    }

    public struct PatternNotFound: Error, CustomStringConvertible {
        public let name: String
        public let known: [String]
        public var description: String {
            "no pattern file \"\(name)\" and no shipped pattern of that name" + (known.isEmpty ? "" : " (shipped: \(known.joined(separator: ", ")))")
        }
    }
}
