/// Where a key is read: each context has its own table.
public enum KeyContext: String, CaseIterable, Sendable {
    case explorer, editor, list, help

    public var title: String {
        switch self {
        case .explorer: "Explorer"
        case .editor: "Pattern editor"
        case .list: "Browser and picker"
        case .help: "Help"
        }
    }
}

/// The one table of key bindings (htop style: key -> action; the action changes state and says
/// what to redraw). Arrows and hjkl both move everywhere. Remappable: `bind`, or a keys.conf
/// with lines like `explorer x = toggleEdges`.
public struct KeyMap: Sendable {
    public private(set) var bindings: [KeyContext: [(key: Key, action: Action)]]

    public init(bindings: [KeyContext: [(key: Key, action: Action)]]) { self.bindings = bindings }

    public func action(for key: Key, in context: KeyContext) -> Action? {
        bindings[context]?.last { $0.key == key }?.action
    }

    /// Keys bound to an action, in table order.
    public func keys(for action: Action, in context: KeyContext) -> [Key] {
        var seen = Set<Key>()
        return (bindings[context] ?? []).filter { $0.action == action && self.action(for: $0.key, in: context) == action && seen.insert($0.key).inserted }.map(\.key)
    }

    /// Keys bound to an action as hints show them: the user's own first (a key the standard
    /// table does not bind to it, so a remapped action shows its new key), then table order.
    public func shownKeys(for action: Action, in context: KeyContext) -> [Key] {
        let all = keys(for: action, in: context), standard = Self.standard.keys(for: action, in: context)
        return all.filter { !standard.contains($0) } + all.filter { standard.contains($0) }
    }

    /// Actions of a context, in table order, each once.
    public func actions(in context: KeyContext) -> [Action] {
        var seen = Set<Action>()
        return (bindings[context] ?? []).map(\.action).filter { !keys(for: $0, in: context).isEmpty && seen.insert($0).inserted }
    }

    public mutating func bind(_ key: Key, to action: Action, in context: KeyContext) {
        bindings[context, default: []].removeAll { $0.key == key }
        bindings[context, default: []].append((key, action))
    }

    /// Applies `context key = action` lines (# comments); returns complaints about bad lines.
    public mutating func apply(config text: String) -> [String] {
        var problems: [String] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let sides = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let left = sides.first?.split(separator: " ").map(String.init) ?? []
            guard sides.count == 2, left.count == 2, let context = KeyContext(rawValue: left[0]),
                  let key = Key(name: left[1]), let action = Action(rawValue: sides[1]) else {
                problems.append("keys.conf line \(n + 1): expected `context key = action`, got \"\(line)\"")
                continue
            }
            bind(key, to: action, in: context)
        }
        return problems
    }

    private static func table(_ pairs: [(String, Action)]) -> [(key: Key, action: Action)] {
        pairs.map { (Key(name: $0.0)!, $0.1) }
    }

    private static let movement: [(String, Action)] = [
        ("Up", .cursorUp), ("k", .cursorUp), ("Down", .cursorDown), ("j", .cursorDown),
        ("Left", .cursorLeft), ("h", .cursorLeft), ("Right", .cursorRight), ("l", .cursorRight),
    ]

    public static let standard = KeyMap(bindings: [
        .explorer: table(movement + [
            ("S-Up", .panUp), ("K", .panUp), ("S-Down", .panDown), ("J", .panDown),
            ("S-Left", .panLeft), ("H", .panLeft), ("S-Right", .panRight), ("L", .panRight),
            ("+", .zoomIn), ("=", .zoomIn), ("-", .zoomOut), ("_", .zoomOut), ("0", .resetView),
            ("t", .toggleSplit), ("m", .toggleMetric), ("b", .toggleBatchNorm), ("Space", .togglePause),
            ("c", .cycleColorMap), ("g", .cycleScale), ("x", .toggleEdges),
            ("v", .markTransect), ("V", .cycleMarkerTransect), ("E", .curvatureAtCursor),
            ("s", .save), ("o", .openBrowser), ("p", .openPicker), ("e", .openEditor),
            ("?", .help), ("F1", .help), ("q", .quit), ("C-l", .redraw),
        ]),
        .editor: table(movement + [
            ("Space", .togglePixel), ("Enter", .togglePixel), ("c", .clearPattern), ("i", .invertPattern),
            ("u", .undo), ("C-z", .undo), ("C-r", .redo), ("U", .redo), ("C-y", .redo),
            ("]", .growWidth), ("[", .shrinkWidth), ("}", .growHeight), ("{", .shrinkHeight),
            ("r", .resizePattern), ("n", .newPattern), ("w", .writePattern), ("t", .trainOnPattern),
            ("p", .loadPattern), ("?", .help), ("F1", .help), ("Esc", .close), ("q", .close), ("C-l", .redraw),
        ]),
        .list: table(movement + [
            ("PgUp", .pageUp), ("PgDn", .pageDown), ("Enter", .select), ("e", .openEditor),
            ("Esc", .close), ("q", .close), ("o", .close), ("p", .close), ("?", .help), ("C-l", .redraw),
        ]),
        .help: table([
            ("Esc", .close), ("q", .close), ("?", .close), ("Enter", .close), ("Space", .close),
            ("Up", .cursorUp), ("k", .cursorUp), ("Down", .cursorDown), ("j", .cursorDown), ("C-l", .redraw),
        ]),
    ])
}
