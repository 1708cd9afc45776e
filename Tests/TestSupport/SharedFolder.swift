import Foundation

/// The package's root folder (this file is Tests/TestSupport/SharedFolder.swift).
public let packageRootFolder: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// `shared/<name>` — the team's reference material (PyTorch fixtures, reference patterns) —
/// beside the package root or beside any folder above it, since a clone may live anywhere; else
/// the workplace's `/work/shared/<name>`. nil when there is none.
public func sharedFolder(_ name: String) -> String? {
    var folder = URL(fileURLWithPath: packageRootFolder)
    while folder.path != "/" {
        let candidate = folder.deletingLastPathComponent().appendingPathComponent("shared/\(name)").path
        if FileManager.default.fileExists(atPath: candidate) { return candidate }
        folder.deleteLastPathComponent()
    }
    let workplace = "/work/shared/\(name)"
    return FileManager.default.fileExists(atPath: workplace) ? workplace : nil
}
