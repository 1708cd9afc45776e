import Engine
import Foundation

/// File names typed by a person (in the UI or on the command line) for files we write into
/// `Patterns/` or `Checkpoints/`: plain names only, so nothing is ever written outside its folder.
public enum SafeName {
    public static let maxLength = 80

    /// The path of `name` + `ext` inside `folder`, or an error saying why the name is refused:
    /// empty, too long, path separators, `..`, leading dot or dash, characters outside
    /// letters/digits/`-_.`, or an existing symlink (which could point outside the folder).
    public static func path(for name: String, extension ext: String, in folder: String) throws -> String {
        var stem = name.trimmingCharacters(in: .whitespaces)
        if stem.hasSuffix("." + ext) { stem = String(stem.dropLast(ext.count + 1)) }
        guard !stem.isEmpty else { throw DataError(name, "a name is needed") }
        guard stem.count <= maxLength else { throw DataError(name, "name longer than \(maxLength) characters") }
        guard !stem.contains("/"), !stem.contains("\\") else { throw DataError(name, "names cannot contain / or \\ — files stay in \(folder)") }
        guard !stem.contains(".."), !stem.hasPrefix("."), !stem.hasPrefix("-") else {
            throw DataError(name, "names cannot start with . or - or contain ..")
        }
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        guard stem.unicodeScalars.allSatisfy(allowed.contains) else {
            throw DataError(name, "use letters, digits, -, _ and . only")
        }
        let path = (folder as NSString).appendingPathComponent(stem + "." + ext)
        var info = stat()
        if lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK {
            throw DataError(path, "is a symbolic link; refusing to write through it")
        }
        // The folder itself must not be a link leading elsewhere. (Links among its ancestors are
        // the user's own layout, e.g. a home folder on another disk, and are fine.)
        let plainFolder = URL(fileURLWithPath: folder).standardizedFileURL.path
        if lstat(plainFolder, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK {
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: plainFolder)) ?? "elsewhere"
            throw DataError(folder, "is a symbolic link to \(target); refusing to write there")
        }
        return path
    }

    /// Creates the folder if it is missing.
    public static func ensureFolder(_ folder: String) throws {
        var info = stat()
        if lstat(URL(fileURLWithPath: folder).standardizedFileURL.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK {
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: folder)) ?? "elsewhere"
            throw DataError(folder, "is a symbolic link to \(target); refusing to write there")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw DataError(folder, "exists and is not a folder") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw DataError(folder, "cannot create the folder: \(error.localizedDescription)")
        }
    }
}
