import MPO

/// The pattern editor's state, apart from how it is drawn: the picture, a cursor, undo/redo of
/// whole pictures (patterns are at most a few hundred kB), and mouse strokes.
public struct EditorModel: Sendable {
    public private(set) var pattern: Pattern
    public private(set) var cursorRow = 0
    public private(set) var cursorCol = 0
    public private(set) var undoStack: [Pattern] = []
    public private(set) var redoStack: [Pattern] = []
    /// The picture as last written or loaded (nil: never written).
    public private(set) var savedPattern: Pattern?
    /// The value a mouse stroke paints (set by its first cell).
    private var strokeValue: Bool?
    /// First row and column shown when the picture is larger than the screen.
    public var scrollRow = 0
    public var scrollCol = 0

    static let undoLimit = 200
    /// The editor's size limits (Pattern allows more; the screen and the trainer hardly do).
    public static let sides = Pattern.minSide...128

    public init(pattern: Pattern, saved: Bool = true) {
        self.pattern = pattern
        savedPattern = saved ? pattern : nil
        cursorRow = pattern.height / 2
        cursorCol = pattern.width / 2
    }

    public var isModified: Bool { savedPattern?.bits != pattern.bits || savedPattern?.width != pattern.width }
    public var canUndo: Bool { !undoStack.isEmpty }
    public var canRedo: Bool { !redoStack.isEmpty }

    /// Records the current picture before a change.
    private mutating func checkpoint() {
        undoStack.append(pattern)
        if undoStack.count > Self.undoLimit { undoStack.removeFirst() }
        redoStack.removeAll()
    }

    private mutating func change(_ edit: (inout Pattern) -> Void) {
        var next = pattern
        edit(&next)
        guard next != pattern else { return }
        checkpoint()
        pattern = next
        clampCursor()
    }

    public mutating func moveCursor(rows dr: Int, cols dc: Int) {
        cursorRow = min(pattern.height - 1, max(0, cursorRow + dr))
        cursorCol = min(pattern.width - 1, max(0, cursorCol + dc))
    }

    public mutating func setCursor(row: Int, col: Int) {
        cursorRow = min(pattern.height - 1, max(0, row))
        cursorCol = min(pattern.width - 1, max(0, col))
    }

    private mutating func clampCursor() { moveCursor(rows: 0, cols: 0) }

    public mutating func togglePixel() {
        let (r, c) = (cursorRow, cursorCol)
        change { $0[r, c].toggle() }
    }

    /// Mouse press on a cell: toggles it, and the rest of the stroke paints that same value.
    public mutating func beginStroke(row: Int, col: Int) {
        guard pattern.contains(row: row, col: col) else { return }
        setCursor(row: row, col: col)
        let value = !pattern[row, col]
        strokeValue = value
        change { $0[row, col] = value }
    }

    /// Mouse drag: paints the stroke's value; the whole stroke is one undo step.
    public mutating func continueStroke(row: Int, col: Int) {
        guard let value = strokeValue, pattern.contains(row: row, col: col) else { return }
        setCursor(row: row, col: col)
        guard pattern[row, col] != value else { return }
        redoStack.removeAll()
        pattern[row, col] = value
    }

    public mutating func endStroke() { strokeValue = nil }

    public mutating func clear() {
        change { $0.bits = .init(repeating: 0, count: $0.bits.count) }
    }

    public mutating func invert() {
        change { $0 = $0.inverted() }
    }

    /// New size, keeping the picture anchored at the top left (new cells white).
    public mutating func resize(width: Int, height: Int) {
        let w = min(Self.sides.upperBound, max(Self.sides.lowerBound, width))
        let h = min(Self.sides.upperBound, max(Self.sides.lowerBound, height))
        change { p in
            let old = p
            p = Pattern(width: w, height: h, name: old.name) { r, c in old.contains(row: r, col: c) && old[r, c] }
        }
    }

    /// A blank picture of the same size, named `name`.
    public mutating func startNew(name: String) {
        change { $0 = Pattern(width: $0.width, height: $0.height, bits: .init(repeating: 0, count: $0.bits.count), name: name) }
    }

    /// Replaces the picture with one loaded from a file (undoable).
    public mutating func load(_ loaded: Pattern) {
        change { $0 = loaded }
        savedPattern = loaded
        clampCursor()
    }

    public mutating func undo() {
        guard let previous = undoStack.popLast() else { return }
        redoStack.append(pattern)
        pattern = previous
        clampCursor()
    }

    public mutating func redo() {
        guard let next = redoStack.popLast() else { return }
        undoStack.append(pattern)
        pattern = next
        clampCursor()
    }

    /// After writing the picture as `name`.
    public mutating func markSaved(name: String) {
        pattern.name = name
        savedPattern = pattern
    }
}
