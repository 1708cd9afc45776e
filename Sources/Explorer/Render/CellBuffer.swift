/// Text attributes of a cell.
public struct Attributes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = Attributes(rawValue: 1)
    public static let reverse = Attributes(rawValue: 2)
    public static let dim = Attributes(rawValue: 4)
    public static let underline = Attributes(rawValue: 8)
}

/// How text is drawn: colours and attributes.
public struct Pen: Hashable, Sendable {
    public var fg: Color
    public var bg: Color
    public var attributes: Attributes

    public init(fg: Color = .default, bg: Color = .default, _ attributes: Attributes = []) {
        self.fg = fg
        self.bg = bg
        self.attributes = attributes
    }

    public static let plain = Pen()
    public static let bold = Pen(.bold)
    public static let reverse = Pen(.reverse)
    public static let dim = Pen(.dim)
}

/// One character cell of the screen.
public struct Cell: Hashable, Sendable {
    public var char: Unicode.Scalar
    public var pen: Pen

    public init(_ char: Unicode.Scalar = " ", _ pen: Pen = .plain) {
        self.char = char
        self.pen = pen
    }

    public static let blank = Cell()
}

public struct Rect: Hashable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width <= 0 || height <= 0 }

    public func contains(x px: Int, y py: Int) -> Bool { px >= x && px < maxX && py >= y && py < maxY }

    /// Shrunk by `n` cells on every side.
    public func inset(_ n: Int) -> Rect { Rect(x: x + n, y: y + n, width: width - 2 * n, height: height - 2 * n) }

    /// A centred rectangle of at most the given size.
    public func centered(width w: Int, height h: Int) -> Rect {
        let w = min(w, width), h = min(h, height)
        return Rect(x: x + (width - w) / 2, y: y + (height - h) / 2, width: w, height: h)
    }
}

/// The screen as the views draw it: a grid of cells that the terminal diffs against the previous
/// frame, and that tests read back as text without a terminal.
public struct CellBuffer: Hashable, Sendable {
    public private(set) var width: Int
    public private(set) var height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = .init(repeating: .blank, count: self.width * self.height)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { if x >= 0 && x < width && y >= 0 && y < height { cells[y * width + x] = newValue } }
    }

    public mutating func fill(_ rect: Rect, with cell: Cell = .blank) {
        for y in max(0, rect.y)..<min(height, rect.maxY) where rect.x < width {
            for x in max(0, rect.x)..<min(width, rect.maxX) { cells[y * width + x] = cell }
        }
    }

    /// Writes `text` from (x, y), clipped to `limit` cells and the buffer; returns the x after it.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, pen: Pen = .plain, limit: Int = .max) -> Int {
        var cx = x
        let end = limit == .max ? width : min(width, x + limit)
        guard y >= 0 && y < height else { return x }
        for scalar in text.unicodeScalars {
            if cx >= end { break }
            if cx >= 0 { cells[y * width + cx] = Cell(scalar, pen) }
            cx += 1
        }
        return cx
    }

    /// The characters of one row (trailing spaces kept).
    public func text(row y: Int) -> String {
        var s = String.UnicodeScalarView()
        for x in 0..<width { s.append(cells[y * width + x].char) }
        return String(s)
    }

    /// All rows, trailing spaces trimmed: what a snapshot test compares.
    public var text: String {
        (0..<height).map { row -> String in
            var line = text(row: row)
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}
