import CZlib
import Foundation

/// gzip files for the readers' tests, made two ways: by zlib in this process (fast enough for a
/// fuzzer, and in several members), and by /bin/gzip, an implementation independent of the zlib
/// the engine reads them with. Self-contained: `scripts/fuzz.sh` compiles this file beside
/// `ReaderHarness.swift`.
public enum Gzip {
    /// `bytes` as a gzip file of `members` concatenated members (as `cat a.gz b.gz` makes), by zlib.
    public static func compress(_ bytes: [UInt8], members: Int = 1) -> [UInt8] {
        let cut = members > 1 ? bytes.count / 2 : bytes.count
        let parts = members > 1 ? [Array(bytes[..<cut]), Array(bytes[cut...])] : [bytes]
        return parts.flatMap(member)
    }

    private static func member(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        precondition(lp_deflateInit2(&stream, 6, 15 + 16) == Z_OK)
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 32)
        var input = bytes
        let produced = input.withUnsafeMutableBufferPointer { i in
            out.withUnsafeMutableBufferPointer { o in
                stream.next_in = i.baseAddress
                stream.avail_in = uInt(i.count)
                stream.next_out = o.baseAddress
                stream.avail_out = uInt(o.count)
                precondition(deflate(&stream, Z_FINISH) == Z_STREAM_END)
                return o.count - Int(stream.avail_out)
            }
        }
        return Array(out[..<produced])
    }

    /// `bytes` compressed by `/bin/gzip -n` (no name, no time: the same bytes every run).
    public static func bySystemGzip(_ bytes: [UInt8]) throws -> [UInt8] {
        [UInt8](try systemGzip(["-n", "-c"], input: Data(bytes)))
    }

    /// Compresses files in place (each `p` becomes `p.gz`) with one /bin/gzip process.
    public static func compressInPlace(_ paths: [String]) throws {
        if !paths.isEmpty { try systemGzip(["-n", "-f"] + paths) }
    }

    /// The file at `path` decompressed by /bin/gzip.
    public static func decompressBySystemGzip(_ path: String) throws -> [UInt8] {
        [UInt8](try systemGzip(["-dc", path]))
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs /bin/gzip to completion and returns its standard output; throws on a nonzero exit.
    @discardableResult
    private static func systemGzip(_ arguments: [String], input: Data? = nil) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = arguments
        let out = Pipe(), err = Pipe(), feed = Pipe()
        process.standardOutput = out
        process.standardError = err
        if input != nil { process.standardInput = feed }
        try process.run()
        if let input {
            // Fed from another thread: gzip writes as it reads, and a full output pipe would
            // otherwise wait on us while we wait on a full input pipe.
            let writer = feed.fileHandleForWriting
            DispatchQueue.global().async {
                writer.write(input)
                try? writer.close()
            }
        }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "/bin/gzip \(arguments.joined(separator: " ")): exit \(process.terminationStatus): \(String(decoding: errors, as: UTF8.self))")
        }
        return output
    }
}
