import Foundation
import MPO

/// A checkpoint in Checkpoints/ for the browser; `summary` is nil when the file cannot be read.
public struct CheckpointEntry: Sendable {
    public var path: String
    public var name: String
    public var modified: Date
    public var summary: Checkpoint.Summary?
    public var problem: String?

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
            do { entry.summary = try Checkpoint.summary(path: path) } catch { entry.problem = "\(error)" }
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
