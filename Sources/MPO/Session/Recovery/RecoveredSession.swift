import Engine
import Foundation

/// The recovery files of a session that ended without cleaning up (see `RecoveryStore`).
public struct RecoveredSession: Sendable {
    /// One plane's recovery file, described from its header.
    public struct Plane: Sendable {
        public var path: String
        public var patternName: String
        public var batchNorm: Bool
        public var step: Int
        /// Steps trained since the plane was last saved (all of them if never).
        public var unsavedSteps: Int
        public var savedPath: String?
        /// When the file was written.
        public var written: Date

        /// "heart, plain, 812 steps, 10:42".
        public var summary: String {
            let time = DateFormatter()
            time.dateFormat = Calendar.current.isDateInToday(written) ? "HH:mm" : "yyyy-MM-dd HH:mm"
            return "\(patternName), \(batchNorm ? "BatchNorm" : "plain"), \(step) steps, \(time.string(from: written))"
        }
    }

    public var session: String
    /// Plain plane first.
    public var planes: [Plane]
    let folder: String

    var lockPath: String { (folder as NSString).appendingPathComponent("\(session).lock") }

    /// Deletes the session's files.
    public func discard() {
        for p in planes { unlink(p.path) }
        unlink(lockPath)
    }

    /// Sessions in `Checkpoints/recovery/` whose process has ended, newest first. Sessions still
    /// running (their lock is held: another explorer, or this one) are left alone; files that do
    /// not read as checkpoints are skipped.
    public static func list(in folders: ProjectFolders) -> [RecoveredSession] {
        let folder = RecoveryStore.folder(in: folders)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var bySession: [String: [Plane]] = [:]
        for name in names where name.hasSuffix(".safetensors") {
            let stem = String(name.dropLast(".safetensors".count))
            guard let dash = stem.lastIndex(of: "-"), ["plain", "bn"].contains(stem[stem.index(after: dash)...]) else { continue }
            let path = (folder as NSString).appendingPathComponent(name)
            guard let plane = try? describe(path) else { continue }
            bySession[String(stem[..<dash]), default: []].append(plane)
        }
        var sessions: [RecoveredSession] = []
        for (session, planes) in bySession {
            let s = RecoveredSession(session: session, planes: planes.sorted { !$0.batchNorm && $1.batchNorm }, folder: folder)
            if !isRunning(lockPath: s.lockPath) { sessions.append(s) }
        }
        // Lock files of ended sessions with no planes left are clutter.
        for name in names where name.hasSuffix(".lock") {
            let session = String(name.dropLast(".lock".count))
            let path = (folder as NSString).appendingPathComponent(name)
            if bySession[session] == nil, !isRunning(lockPath: path) { unlink(path) }
        }
        func newest(_ s: RecoveredSession) -> Date { s.planes.map(\.written).max() ?? .distantPast }
        return sessions.sorted { newest($0) > newest($1) }
    }

    /// Whether a live process holds the lock (a lock file that is missing is no one's).
    static func isRunning(lockPath: String) -> Bool {
        let fd = open(lockPath, O_RDWR | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return flock(fd, LOCK_EX | LOCK_NB) != 0
    }

    static func describe(_ path: String) throws -> Plane {
        let file = try Safetensors.read(path: path)
        let m = file.metadata
        guard m["format"] == Checkpoint.format, let step = m["step"].flatMap(Int.init) else {
            throw DataError(path, "not a recovery checkpoint")
        }
        var info = stat()
        let written = stat(path, &info) == 0 ? Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec)) : Date()
        return Plane(
            path: path, patternName: Safetensors.printable(m["pattern_name"] ?? "pattern", limit: 40),
            batchNorm: m["batch_norm"] == "true", step: step,
            unsavedSteps: m["recovery_unsaved_steps"].flatMap(Int.init) ?? step,
            savedPath: m["recovery_saved_path"], written: written)
    }
}
