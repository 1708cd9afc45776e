import Foundation
import MPO

/// Something drawn over the main screen or the editor, taking the keys while open.
public enum Overlay: Sendable {
    case help(scroll: Int)
    case browser(FileList<CheckpointEntry>)
    /// Patterns in Patterns/: Enter trains on one (or, from the editor, loads it there).
    case picker(FileList<PatternEntry>, forEditor: Bool)
    case confirm(Confirmation)
    case prompt(TextPrompt)
}

/// A list with a selection, for the checkpoint browser and the pattern picker.
public struct FileList<Item: Sendable>: Sendable {
    public var items: [Item]
    public var selection = 0
    /// First row shown.
    public var scroll = 0

    public init(items: [Item]) { self.items = items }

    public var selected: Item? { items.indices.contains(selection) ? items[selection] : nil }

    public mutating func move(by n: Int) {
        guard !items.isEmpty else { return }
        selection = min(items.count - 1, max(0, selection + n))
    }

    /// Keeps the selection within `rows` visible rows.
    public mutating func scrollToSelection(rows: Int) {
        if selection < scroll { scroll = selection }
        if selection >= scroll + rows { scroll = selection - rows + 1 }
        scroll = max(0, min(scroll, max(0, items.count - rows)))
    }
}

/// A change that throws away the current plane (asked about when it has unsaved steps).
public enum PendingChange: Sendable {
    case open(path: String)
    case train(Pattern)

    var command: Session.Command {
        switch self {
        case .open(let path): .open(path: path)
        case .train(let p): .train(p)
        }
    }
}

/// A question with one-key answers.
public struct Confirmation: Sendable {
    public enum Purpose: Sendable {
        case quit
        case discard(then: PendingChange)
        /// Leaving `mpo edit` with an unwritten picture.
        case leaveEditor
        /// Planes an ended session left in Checkpoints/recovery/: resume, discard or keep.
        case recover(RecoveredSession)
    }

    public var purpose: Purpose
    public var message: String
    public var choices: [(key: Character, label: String)]
}

/// A one-line text field.
public struct TextPrompt: Sendable {
    public enum Purpose: Sendable {
        case writePattern, resizePattern
    }

    public var purpose: Purpose
    public var label: String
    public var text: String
    public var error: String?

    public static let maxLength = 80
}

/// A message on the status line for a few seconds.
public struct Notice: Sendable, Equatable {
    public var text: String
    public var isError: Bool
    public var time: Date

    public var lifetime: TimeInterval { isError ? 15 : 8 }
}
