import Foundation
import XCTest

/// Compares text with a golden file in Snapshots/; `RECORD=1 swift test ...` rewrites them.
func assertSnapshot(_ text: String, named name: String, file: StaticString = #filePath, line: UInt = #line) {
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Snapshots")
    let url = folder.appendingPathComponent(name + ".txt")
    let record = ProcessInfo.processInfo.environment["RECORD"] == "1"
    let existing = try? String(contentsOf: url, encoding: .utf8)
    if record || existing == nil {
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try? (text + "\n").write(to: url, atomically: true, encoding: .utf8)
        if !record { XCTFail("recorded a new snapshot \(name).txt; check it and run again", file: file, line: line) }
        return
    }
    let expected = existing!.hasSuffix("\n") ? String(existing!.dropLast()) : existing!
    if expected != text {
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let b = text.split(separator: "\n", omittingEmptySubsequences: false)
        let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
        XCTFail("""
            snapshot \(name) differs from line \(first + 1) (RECORD=1 to accept):
            expected: \(first < a.count ? String(a[first]) : "<end>")
            actual:   \(first < b.count ? String(b[first]) : "<end>")
            """, file: file, line: line)
    }
}
