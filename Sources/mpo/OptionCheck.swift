import ArgumentParser
import Engine
import Foundation
import MPO

/// Checks of option values, run from the commands' `validate()` before any work starts. Every
/// complaint is one line naming the option and the value (exit status 64).
enum OptionCheck {
    /// The value as shown in a message: quoted when it is text, cut when it is long.
    static func shown(_ value: String) -> String {
        let clean = String(value.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
        return "'" + (clean.count > 60 ? clean.prefix(57) + "..." : clean) + "'"
    }

    static func fail(_ option: String, _ value: String, _ why: String) -> ValidationError {
        ValidationError("\(option) \(value): \(why)")
    }

    static func count(_ option: String, _ value: Int?, _ range: ClosedRange<Int>) throws {
        guard let value, !range.contains(value) else { return }
        throw fail(option, String(value), "must be \(range.lowerBound)...\(range.upperBound)")
    }

    /// A finite number in `range` (`above`: the lower end itself is excluded).
    static func number<F: BinaryFloatingPoint>(_ option: String, _ value: F?, _ range: ClosedRange<Double>, above: Bool = false) throws {
        guard let value else { return }
        let v = Double(value), shown = "\(value)"
        guard v.isFinite else { throw fail(option, shown, "must be a finite number") }
        if !range.contains(v) || above && v == range.lowerBound {
            let low = above ? "above \(range.lowerBound.formatted)" : "at least \(range.lowerBound.formatted)"
            throw fail(option, shown, range.upperBound < .greatestFiniteMagnitude ? "must be \(low) and at most \(range.upperBound.formatted)" : "must be \(low)")
        }
    }

    /// One of `choices`.
    static func choice(_ option: String, _ value: String?, _ choices: [String]) throws {
        guard let value, !choices.contains(value) else { return }
        throw fail(option, shown(value), "use one of \(choices.joined(separator: ", "))")
    }

    /// An existing folder.
    static func folder(_ option: String, _ path: String?) throws {
        guard let path else { return }
        var isDirectory: ObjCBool = false
        guard !path.isEmpty, FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw fail(option, shown(path), "no such folder")
        }
        guard isDirectory.boolValue else { throw fail(option, shown(path), "not a folder") }
    }

    /// A file to be written: not empty, not an existing folder, pipe or device, in a folder that exists.
    /// A `--save` value: a path with a / is a file to write; a plain name must be a safe name
    /// for the project's Checkpoints folder.
    static func saveTarget(_ option: String, _ save: String?, folders: ProjectFolders = .locate()) throws {
        guard let save else { return }
        if save.contains("/") { return try outputFile(option, save) }
        do { _ = try SafeName.path(for: save, extension: "safetensors", in: folders.checkpoints) } catch let e as DataError {
            throw fail(option, shown(save), e.problem)
        }
    }

    static func outputFile(_ option: String, _ path: String?) throws {
        guard let path else { return }
        guard !path.isEmpty else { throw fail(option, "''", "a file name is needed") }
        guard path.utf8.count <= 1024, (path as NSString).lastPathComponent.utf8.count <= 255 else {
            throw fail(option, shown(path), "the name is too long")
        }
        var info = stat()
        if stat(path, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFDIR: throw fail(option, shown(path), "is a folder; name a file")
            default: throw fail(option, shown(path), "is not a regular file (a device, pipe or socket)")
            }
        }
        let folder = parentFolder(path)
        var isDirectory: ObjCBool = false
        guard folder.isEmpty || FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) && isDirectory.boolValue else {
            throw fail(option, shown(path), "folder \(shown(folder)) does not exist")
        }
    }

    /// The folder part of a path ("" for a bare name). NSString.deletingLastPathComponent
    /// crashes on one-character paths in swift-corelibs-foundation ("0", "x").
    static func parentFolder(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Worker threads: at least 1; more than the cores are capped, with a note on stderr.
    static func workers(_ value: Int?) throws {
        guard let value else { return }
        try count("--workers", value, 1...Int.max)
        // Once per run: the UI commands start themselves again (TerminalProcess.prepare), and the
        // environment goes with them.
        if value > CPU.cores, getenv("MPO_WORKERS_NOTED") == nil {
            setenv("MPO_WORKERS_NOTED", "1", 1)
            FileHandle.standardError.write(Data("note: --workers \(value) is more than the \(CPU.cores) cores; using \(CPU.cores)\n".utf8))
        }
    }

    /// The worker count to use.
    static func resolvedWorkers(_ value: Int?) -> Int { min(max(1, value ?? CPU.cores), CPU.cores) }

    /// Refuses settings whose buffers would not fit in this machine's memory, naming the option
    /// that sized them.
    static func memory(_ bytes: Double, blame: String) throws {
        let available = MemoryEstimate.available
        guard bytes > 0.9 * available else { return }
        throw ValidationError("\(blame): needs about \(MemoryEstimate.format(bytes)) of memory; this machine has \(MemoryEstimate.format(available))")
    }
}

private extension Double {
    /// 0, 0.5, 1e-04: without a trailing ".0".
    var formatted: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : "\(self)" }
}
