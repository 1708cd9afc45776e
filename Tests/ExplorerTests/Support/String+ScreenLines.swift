import Foundation

extension String {
    /// The screen line that contains `text` (first match), for reading panel values.
    func line(containing text: String) -> String? {
        split(separator: "\n", omittingEmptySubsequences: false).first { $0.contains(text) }.map(String.init)
    }

    func line(_ n: Int) -> String {
        let lines = split(separator: "\n", omittingEmptySubsequences: false)
        return n < lines.count ? String(lines[n]) : ""
    }
}
