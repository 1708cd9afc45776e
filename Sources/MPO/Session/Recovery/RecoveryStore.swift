import Engine
import Foundation

/// Recovery files, like an editor's swap files: the latest state of every plane that has
/// unsaved steps, in `Checkpoints/recovery/`:
///
///     <session>-plain.safetensors, <session>-bn.safetensors
///         the planes as checkpoints (they open like any other), with two more metadata keys:
///         recovery_unsaved_steps and recovery_saved_path
///     <session>.lock
///         held (flock) while the session runs; when its lock can be taken, the session ended
///         without cleaning up (closed terminal, kill, crash, power cut) and its planes are offered
///
/// `<session>` is `<pid>-<unix start time>`. Writes and removals run in order on one serial
/// queue, so saving never waits for the disk on the training thread and a removal can never be
/// overtaken by an older write.
public final class RecoveryStore: @unchecked Sendable {
    public let folder: String
    public let session: String
    private let queue = DispatchQueue(label: "mpo-recovery", qos: .utility)
    private let lock = NSLock()
    private var lockFD: Int32 = -1
    private var failure: String?

    public init(folders: ProjectFolders, session: String? = nil) {
        folder = Self.folder(in: folders)
        self.session = session ?? "\(getpid())-\(Int(Date().timeIntervalSince1970))"
    }

    deinit {
        if lockFD >= 0 { Glibc.close(lockFD) }
    }

    static func folder(in folders: ProjectFolders) -> String {
        (folders.checkpoints as NSString).appendingPathComponent("recovery")
    }

    /// The recovery file of one plane ("plain" or "bn") of this session.
    public func path(plane: String) -> String {
        (folder as NSString).appendingPathComponent("\(session)-\(plane).safetensors")
    }

    var lockPath: String { (folder as NSString).appendingPathComponent("\(session).lock") }

    /// Queues an atomic write of a plane's recovery file (`wait`: returns once it is on disk).
    func write(_ checkpoint: some TrainingFile, unsavedSteps: Int, savedPath: String?, plane: String, wait: Bool) {
        let path = self.path(plane: plane)
        let work = { [self] in
            do {
                try claim()
                var file = checkpoint.file
                file.metadata["recovery_unsaved_steps"] = String(unsavedSteps)
                if let savedPath { file.metadata["recovery_saved_path"] = savedPath }
                try file.write(to: path)
            } catch {
                lock.lock()
                failure = "recovery file not written: \(error)"
                lock.unlock()
            }
        }
        if wait { queue.sync(execute: work) } else { queue.async(execute: work) }
    }

    /// Queues the removal of a plane's recovery file.
    func remove(plane: String, wait: Bool = false) {
        let path = self.path(plane: plane)
        let work = { _ = unlink(path) }
        if wait { queue.sync(execute: work) } else { queue.async(execute: work) }
    }

    /// Waits until every queued write and removal is done.
    public func flush() { queue.sync {} }

    /// The last write failure, once (for a status line).
    public func takeFailure() -> String? {
        lock.lock()
        defer { lock.unlock() }
        defer { failure = nil }
        return failure
    }

    /// Creates the folder and takes this session's lock (on the queue, before its first write).
    private func claim() throws {
        guard lockFD < 0 else { return }
        try SafeName.ensureFolder(folder)
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw DataError(lockPath, "cannot create: \(String(cString: strerror(errno)))") }
        _ = flock(fd, LOCK_EX | LOCK_NB)
        lockFD = fd
    }

    /// At a normal end: waits for queued work, then drops the lock file if no plane file is left.
    public func close() {
        queue.sync {
            guard lockFD >= 0 else { return }
            let left = ["plain", "bn"].contains { FileManager.default.fileExists(atPath: path(plane: $0)) }
            if !left { unlink(lockPath) }
            Glibc.close(lockFD)
            lockFD = -1
        }
    }
}
