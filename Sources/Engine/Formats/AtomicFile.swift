import Foundation

/// Whole-file writes that never leave a half-written file where a good one was: the bytes go to
/// a temporary file in the same folder, are flushed to disk, and replace the target by rename(2).
///
/// A kill at any moment leaves either the old file or the new one at `path`. The temporary
/// (`.<name>.<pid>.tmp`) is created exclusively and never through a symbolic link, so a link
/// planted under that name cannot redirect the write; rename replaces a link at `path` itself
/// rather than writing where it points. Temporaries left by killed processes are removed by
/// the next successful write of the same file.
public enum AtomicFile {
    /// Writes in one process never share a temporary file.
    private static let lock = NSLock()

    public static func write(_ bytes: [UInt8], to path: String) throws {
        lock.lock()
        defer { lock.unlock() }
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = (directory as NSString).appendingPathComponent(temporaryName(url.lastPathComponent, pid: getpid()))
        func failure(_ what: String) -> DataError { DataError(path, "\(what): \(String(cString: strerror(errno)))") }
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC
        var fd = open(temporary, flags, 0o644)
        if fd < 0 && errno == EEXIST {
            // Ours from a process that had this pid before and was killed mid-write (or a link
            // someone planted): remove the name, never what it points to, and try once more.
            unlink(temporary)
            fd = open(temporary, flags, 0o644)
        }
        guard fd >= 0 else { throw failure("cannot write") }
        var ok = false
        defer {
            if !ok { unlink(temporary) }
        }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let error = failure("cannot write")
                close(fd)
                throw error
            }
            written += n
        }
        guard fsync(fd) == 0 else {
            let error = failure("cannot flush to disk")
            close(fd)
            throw error
        }
        guard close(fd) == 0 else { throw failure("cannot write") }
        guard rename(temporary, path) == 0 else { throw failure("cannot replace") }
        ok = true
        // Make the rename itself durable.
        let dfd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
        removeStaleTemporaries(of: url.lastPathComponent, in: directory)
    }

    static func temporaryName(_ name: String, pid: pid_t) -> String { ".\(name).\(pid).tmp" }

    /// Deletes `.<name>.<pid>.tmp` files whose process no longer runs (killed while writing).
    static func removeStaleTemporaries(of name: String, in directory: String) {
        let prefix = ".\(name).", suffix = ".tmp"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory) else { return }
        for entry in entries where entry.hasPrefix(prefix) && entry.hasSuffix(suffix) && entry.count > prefix.count + suffix.count {
            let middle = entry.dropFirst(prefix.count).dropLast(suffix.count)
            guard let pid = pid_t(middle), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                unlink((directory as NSString).appendingPathComponent(entry))
            }
        }
    }
}
