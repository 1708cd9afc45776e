import CZlib
import Foundation

/// Sequential reading of a file's bytes, transparently gunzipping `.gz` files (detected by their
/// magic bytes, not their name). Reads are bounded by what the caller asks for, so a corrupt
/// header can never make us allocate more than the caller has checked is sane.
public final class ByteReader {
    public let path: String
    private let handle: FileHandle
    /// zlib keeps a pointer back to its z_stream, so it lives at a fixed address.
    private var stream: UnsafeMutablePointer<z_stream>?
    private var pending: [UInt8] = []  // compressed input not yet consumed
    private var pendingOffset = 0
    private var fileEnded = false
    /// Bytes delivered so far (after decompression).
    public private(set) var position = 0

    public init(path: String) throws {
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError(path, "file not found")
        }
        guard !isDirectory.boolValue else { throw DataError(path, "is a directory, expected a file") }
        try Self.checkRegularFile(path)
        guard let handle = FileHandle(forReadingAtPath: path) else { throw DataError(path, "cannot be opened for reading") }
        self.handle = handle
        let head = try readRaw(2)
        if head == [0x1F, 0x8B] {
            let s = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            s.initialize(to: z_stream())
            guard lp_inflateInit2(s, 15 + 16) == Z_OK else {
                s.deallocate()
                throw DataError(path, "zlib could not start")
            }
            stream = s
        }
        pending = head
    }

    deinit {
        if let stream {
            inflateEnd(stream)
            stream.deallocate()
        }
        try? handle.close()
    }

    /// Refuses anything but a regular file (after following links): opening a FIFO blocks until
    /// someone writes to it, and a device such as /dev/zero never ends.
    public static func checkRegularFile(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw DataError(path, "cannot be read: \(String(cString: strerror(errno)))") }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return
        case S_IFDIR: throw DataError(path, "is a directory, expected a file")
        default: throw DataError(path, "is not a regular file (a device, pipe or socket)")
        }
    }

    /// Whether the file is gzip-compressed.
    public var isCompressed: Bool { stream != nil }

    private func readRaw(_ count: Int) throws -> [UInt8] {
        do {
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        } catch {
            throw DataError(path, "read failed: \(error.localizedDescription)")
        }
    }

    /// Exactly `count` bytes, or an error saying the file ended early (`what` names the part).
    public func read(_ count: Int, _ what: String) throws -> [UInt8] {
        let got = try readUpTo(count)
        guard got.count == count else {
            throw DataError(path, "truncated: expected \(count) bytes of \(what) at offset \(position - got.count), found \(got.count)")
        }
        return got
    }

    /// Up to `count` bytes; fewer only at the end of the data. Memory grows with the bytes that
    /// actually arrive (1 MiB at a time), never with what a header merely claims.
    public func readUpTo(_ count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        var filled = 0
        while filled < count {
            let step = min(count - filled, 1 << 20)
            out.append(contentsOf: repeatElement(0, count: step))
            var got = 0
            while got < step {
                let n = try fill(&out, from: filled + got, count: step - got)
                if n == 0 { break }
                got += n
            }
            filled += got
            if got < step {
                out.removeLast(step - got)
                break
            }
        }
        position += filled
        return out
    }

    /// True when no byte is left.
    public func atEnd() throws -> Bool {
        let probe = try readUpTo(1)
        guard let byte = probe.first else { return true }
        position -= 1
        pushedBack = byte
        return false
    }

    private var pushedBack: UInt8?

    private func fill(_ out: inout [UInt8], from start: Int, count: Int) throws -> Int {
        if let b = pushedBack {
            out[start] = b
            pushedBack = nil
            return 1
        }
        if pendingOffset >= pending.count && !fileEnded {
            pending = try readRaw(1 << 16)
            pendingOffset = 0
            if pending.isEmpty { fileEnded = true }
        }
        guard stream != nil else {
            let n = min(count, pending.count - pendingOffset)
            if n <= 0 { return 0 }
            out.withUnsafeMutableBufferPointer { o in
                pending.withUnsafeBufferPointer { p in
                    (o.baseAddress! + start).update(from: p.baseAddress! + pendingOffset, count: n)
                }
            }
            pendingOffset += n
            return n
        }
        return try inflateSome(stream!, &out, from: start, count: count)
    }

    private func inflateSome(_ stream: UnsafeMutablePointer<z_stream>, _ out: inout [UInt8], from start: Int, count: Int) throws -> Int {
        while true {
            let available = pending.count - pendingOffset
            var produced = 0
            var status: Int32 = Z_OK
            pending.withUnsafeMutableBufferPointer { p in
                out.withUnsafeMutableBufferPointer { o in
                    stream.pointee.next_in = p.baseAddress.map { $0 + pendingOffset }
                    stream.pointee.avail_in = UInt32(available)
                    stream.pointee.next_out = o.baseAddress! + start
                    stream.pointee.avail_out = UInt32(count)
                    status = inflate(stream, Z_NO_FLUSH)
                    produced = count - Int(stream.pointee.avail_out)
                    pendingOffset += available - Int(stream.pointee.avail_in)
                }
            }
            switch status {
            case Z_OK, Z_BUF_ERROR:
                if produced > 0 { return produced }
                if pendingOffset >= pending.count {
                    if fileEnded { throw DataError(path, "truncated gzip stream at byte \(position)") }
                    pending = try readRaw(1 << 16)
                    pendingOffset = 0
                    if pending.isEmpty { fileEnded = true; throw DataError(path, "truncated gzip stream at byte \(position)") }
                }
            case Z_STREAM_END:
                // Another gzip member may follow (as `cat a.gz b.gz` makes): go on with it.
                if pendingOffset >= pending.count && !fileEnded {
                    pending = try readRaw(1 << 16)
                    pendingOffset = 0
                    if pending.isEmpty { fileEnded = true }
                }
                if pendingOffset < pending.count { inflateReset(stream) }
                if produced > 0 { return produced }
                if pendingOffset >= pending.count { return 0 }
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
                throw DataError(path, "corrupt gzip data: \(message)")
            }
        }
    }
}
