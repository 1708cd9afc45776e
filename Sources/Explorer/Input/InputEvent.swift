/// A key as the key map sees it, independent of curses.
public enum Key: Hashable, Sendable {
    /// A printable character, space included.
    case char(Character)
    /// Ctrl with a letter (lowercase).
    case ctrl(Character)
    case up, down, left, right
    case shiftUp, shiftDown, shiftLeft, shiftRight
    case enter, escape, backspace, delete, tab, backTab
    case pageUp, pageDown, home, end
    case function(Int)

    public static let space = Key.char(" ")

    /// The name used in the help overlay and in keys.conf ("S-Up", "C-r", "Space", "q").
    public var name: String {
        switch self {
        case .char(" "): "Space"
        case .char(let c): String(c)
        case .ctrl(let c): "C-\(c)"
        case .up: "Up"
        case .down: "Down"
        case .left: "Left"
        case .right: "Right"
        case .shiftUp: "S-Up"
        case .shiftDown: "S-Down"
        case .shiftLeft: "S-Left"
        case .shiftRight: "S-Right"
        case .enter: "Enter"
        case .escape: "Esc"
        case .backspace: "Backspace"
        case .delete: "Delete"
        case .tab: "Tab"
        case .backTab: "S-Tab"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .home: "Home"
        case .end: "End"
        case .function(let n): "F\(n)"
        }
    }

    /// The name in hints and messages: `name`, with the space bar written "space".
    public var hintName: String { self == .space ? "space" : name }

    /// Parses a name as `name` writes it.
    public init?(name: String) {
        let named: [String: Key] = [
            "Space": .space, "Up": .up, "Down": .down, "Left": .left, "Right": .right, "S-Up": .shiftUp,
            "S-Down": .shiftDown, "S-Left": .shiftLeft, "S-Right": .shiftRight, "Enter": .enter, "Esc": .escape,
            "Backspace": .backspace, "Delete": .delete, "Tab": .tab, "S-Tab": .backTab, "PgUp": .pageUp,
            "PgDn": .pageDown, "Home": .home, "End": .end,
        ]
        if let k = named[name] {
            self = k
        } else if name.count == 3, name.hasPrefix("C-"), let c = name.last, c.isLetter {
            self = .ctrl(Character(c.lowercased()))
        } else if name.count >= 2, name.hasPrefix("F"), let n = Int(name.dropFirst()), (1...24).contains(n) {
            self = .function(n)
        } else if name.count == 1 {
            self = .char(name.first!)
        } else {
            return nil
        }
    }
}

/// A mouse report in screen cells.
public struct MouseEvent: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case press, release, drag, wheelUp, wheelDown, rightPress
    }

    public var kind: Kind
    public var x: Int
    public var y: Int

    public init(_ kind: Kind, x: Int, y: Int) {
        self.kind = kind
        self.x = x
        self.y = y
    }
}

public enum InputEvent: Hashable, Sendable {
    case key(Key)
    case mouse(MouseEvent)
    case resize
}
