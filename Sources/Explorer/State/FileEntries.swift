import Foundation
import MPO

/// A checkpoint in Checkpoints/ for the browser; `summary` is nil when the file cannot be read.
public struct CheckpointEntry: Sendable {
    public var path: String
    public var name: String
    public var modified: Date
    public var summary: Checkpoint.Summary?
    /// A plane of fixed directions (`mpo plane`) instead of a trained one.
    public var fixed: Fixed?
    public var problem: String?

    public struct Fixed: Sendable {
        public var kind: PlaneKind
        public var description: String
        /// "paper: conv 1-8-32-64, ..."
        public var net: String
        public var dataset: String
        public var sources: [String]
        public var created: Date
    }

    /// Can it be opened?
    public var readable: Bool { summary != nil || fixed != nil }

    /// Checkpoints/*.safetensors, newest first. Reading a summary reads the file, so results are
    /// cached by path and modification time.
    public static func list(in folder: String, cache: inout [String: CheckpointEntry]) -> [CheckpointEntry] {
        let fm = FileManager.default
        let names = ((try? fm.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".safetensors") }
        var entries: [CheckpointEntry] = []
        for name in names {
            let path = (folder as NSString).appendingPathComponent(name)
            let modified = ((try? fm.attributesOfItem(atPath: path))?[.modificationDate] as? Date) ?? .distantPast
            if let cached = cache[path], cached.modified == modified {
                entries.append(cached)
                continue
            }
            var entry = CheckpointEntry(path: path, name: String(name.dropLast(".safetensors".count)), modified: modified)
            do { entry.summary = try Checkpoint.summary(path: path) } catch {
                if let d = try? DirectionPlane.read(path: path) {
                    entry.fixed = Fixed(kind: d.kind, description: d.description, net: d.net.namedSummary, dataset: d.dataset.rawValue, sources: d.recipe.sources, created: d.created)
                } else {
                    entry.problem = "\(error)"
                }
            }
            cache[path] = entry
            entries.append(entry)
        }
        return entries.sorted { ($0.modified, $0.name) > ($1.modified, $1.name) }
    }
}

/// A pattern file in Patterns/ for the picker.
public struct PatternEntry: Sendable {
    public var path: String
    public var name: String
    public var pattern: Pattern?
    public var problem: String?

    public static func list(in folder: String) -> [PatternEntry] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".pbm") }.sorted()
        return names.map { name in
            let path = (folder as NSString).appendingPathComponent(name)
            var entry = PatternEntry(path: path, name: String(name.dropLast(4)))
            do { entry.pattern = try Pattern.readPBM(path: path) } catch { entry.problem = "\(error)" }
            return entry
        }
    }
}
