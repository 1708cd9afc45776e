import Foundation

/// Whole-file writes that never leave a half-written file where a good one was: the bytes go to
/// a temporary file in the same folder, are flushed to disk, and replace the target by rename(2).
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = (directory as NSString).appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw DataError(path, "cannot write: \(String(cString: strerror(errno)))") }
        var ok = false
        defer {
            if !ok { unlink(temporary) }
        }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let message = String(cString: strerror(errno))
                close(fd)
                throw DataError(path, "cannot write: \(message)")
            }
            written += n
        }
        guard fsync(fd) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw DataError(path, "cannot flush to disk: \(message)")
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw DataError(path, "cannot replace: \(String(cString: strerror(errno)))") }
        ok = true
        // Make the rename itself durable.
        let dfd = open(directory.isEmpty ? "." : directory, O_RDONLY)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }
}
