/// One key hint of a bar ("s save", "+/- zoom"), written from the key map so a remapped action
/// shows the key that now does it (`KeyMap.shownKeys`: the user's own binding first).
struct KeyHint: Sendable {
    enum Keys: Sendable {
        /// One action's key: "s".
        case one(Action)
        /// Two actions' keys with a separator between: "+/-" (zoom), "[ ]" (width).
        case pair(Action, Action, separator: String)
        /// The four moves (left, down, up, right) or two (down, up) as the help writes them,
        /// joined by "/": "arrows/hjkl". `letters`: only the letters, "HJKL" (the shifted arrows
        /// go unsaid).
        case directions([Action], letters: Bool)
        /// Not a key: "click/drag".
        case mouse(String)
    }

    var keys: Keys
    var label: String

    init(_ keys: Keys, _ label: String) {
        self.keys = keys
        self.label = label
    }

    init(_ action: Action, _ label: String) { self.init(.one(action), label) }

    /// "s save", or nil when no key does it.
    func text(_ map: KeyMap, _ context: KeyContext) -> String? {
        func first(_ action: Action) -> String? { map.shownKeys(for: action, in: context).first?.hintName }
        let written: String?
        switch keys {
        case .one(let a):
            written = first(a)
        case .pair(let a, let b, let separator):
            let both = [a, b].compactMap(first)
            written = both.isEmpty ? nil : both.joined(separator: separator)
        case .directions(let moves, let letters):
            let bound = moves.map { map.keys(for: $0, in: context) }
            let singles = moves.compactMap { map.shownKeys(for: $0, in: context).first { $0.name.count == 1 && $0 != .space } }
            if letters, singles.count == moves.count {
                written = singles.map(\.name).joined()
            } else if let groups = HelpView.directionGroups(bound) {
                written = groups.joined(separator: "/")
            } else {
                let each = moves.compactMap(first)
                written = each.isEmpty ? nil : each.joined(separator: "/")
            }
        case .mouse(let what):
            written = what
        }
        return written.map { $0 + " " + label }
    }

    /// The hints that have a key, two spaces apart (lists: three).
    static func line(_ hints: [KeyHint], _ map: KeyMap, _ context: KeyContext, separator: String = "  ") -> String {
        hints.compactMap { $0.text(map, context) }.joined(separator: separator)
    }
}

extension KeyHint {
    /// The explorer's last line: the keys a newcomer needs first; ? lists them all.
    static let explorer: [KeyHint] = [
        KeyHint(.directions([.panLeft, .panDown, .panUp, .panRight], letters: true), "pan"),
        KeyHint(.pair(.zoomIn, .zoomOut, separator: "/"), "zoom"),
        KeyHint(.toggleSplit, "split"), KeyHint(.toggleMetric, "metric"), KeyHint(.toggleBatchNorm, "BN"),
        KeyHint(.togglePause, "pause"), KeyHint(.save, "save"), KeyHint(.openBrowser, "open"),
        KeyHint(.openPicker, "pattern"), KeyHint(.openEditor, "edit"), KeyHint(.markTransect, "transect"),
        KeyHint(.help, "help"),
    ]

    /// The explorer's title bar, right.
    static let explorerTitle: [KeyHint] = [KeyHint(.help, "help"), KeyHint(.quit, "quit")]

    /// The editor's title bar, right.
    static let editorTitle: [KeyHint] = [KeyHint(.help, "help"), KeyHint(.close, "back")]

    /// The editor's two lines at the bottom.
    static let editor: [[KeyHint]] = [
        [
            KeyHint(.directions([.cursorLeft, .cursorDown, .cursorUp, .cursorRight], letters: false), "move"),
            KeyHint(.togglePixel, "toggle"), KeyHint(.mouse("click/drag"), "paint"), KeyHint(.clearPattern, "clear"),
            KeyHint(.invertPattern, "invert"), KeyHint(.undo, "undo"), KeyHint(.redo, "redo"), KeyHint(.newPattern, "new"),
        ],
        [
            KeyHint(.pair(.shrinkWidth, .growWidth, separator: " "), "width"),
            KeyHint(.pair(.shrinkHeight, .growHeight, separator: " "), "height"),
            KeyHint(.resizePattern, "size"), KeyHint(.loadPattern, "load"), KeyHint(.writePattern, "write"),
            KeyHint(.trainOnPattern, "train on this"), KeyHint(.close, "back"), KeyHint(.help, "help"),
        ],
    ]

    /// A list's last line: the checkpoint browser, the pattern picker for training or for the editor.
    static let browser: [KeyHint] = [
        KeyHint(.select, "open"), KeyHint(.close, "close"), KeyHint(.directions([.cursorDown, .cursorUp], letters: false), "move"),
    ]
    static let picker: [KeyHint] = [KeyHint(.select, "train a fresh plane"), KeyHint(.openEditor, "edit"), KeyHint(.close, "close")]
    static let editorPicker: [KeyHint] = [KeyHint(.select, "load"), KeyHint(.close, "close")]
}
