/// A black-and-white picture to draw into the loss landscape. 1 = black = "good" cell (low loss
/// wanted), 0 = white = "bad" cell (high loss wanted). Row-major [height, width].
public struct Pattern: Hashable, Sendable {
    public var width: Int
    public var height: Int
    public var bits: [UInt8]
    /// Where it came from (file stem or generator), for status lines and checkpoints.
    public var name: String

    public static let minSide = 3
    public static let maxSide = 512

    public init(width: Int, height: Int, bits: [UInt8], name: String = "pattern") {
        precondition(bits.count == width * height)
        self.width = width
        self.height = height
        self.bits = bits.map { $0 == 0 ? 0 : 1 }
        self.name = name
    }

    public init(width: Int, height: Int, name: String = "pattern", _ isBlack: (_ row: Int, _ col: Int) -> Bool) {
        var bits = [UInt8](repeating: 0, count: width * height)
        for r in 0..<height { for c in 0..<width where isBlack(r, c) { bits[r * width + c] = 1 } }
        self.init(width: width, height: height, bits: bits, name: name)
    }

    public subscript(row: Int, col: Int) -> Bool {
        get { bits[row * width + col] != 0 }
        set { bits[row * width + col] = newValue ? 1 : 0 }
    }

    public func contains(row: Int, col: Int) -> Bool { row >= 0 && row < height && col >= 0 && col < width }

    /// What training does with a cell.
    public enum Role: Int8, Sendable {
        case bad = -1, ignored = 0, good = 1
    }

    /// The ternary mask: a cell whose whole 3x3 neighbourhood (clipped at the border) has its own
    /// value is ignored — only edges are trained; the rest is left to interpolation.
    public var roles: [Role] {
        var roles = [Role](repeating: .ignored, count: bits.count)
        for r in 0..<height {
            for c in 0..<width {
                let v = bits[r * width + c]
                var uniform = true
                for dr in -1...1 {
                    for dc in -1...1 where contains(row: r + dr, col: c + dc) && bits[(r + dr) * width + c + dc] != v {
                        uniform = false
                    }
                }
                if !uniform { roles[r * width + c] = v != 0 ? .good : .bad }
            }
        }
        return roles
    }

    public func role(row: Int, col: Int) -> Role { roles[row * width + col] }

    /// Cells (row, col) that training samples, by role.
    public var trainedCells: (good: [Cell], bad: [Cell]) {
        var good: [Cell] = [], bad: [Cell] = []
        for (i, role) in roles.enumerated() {
            let cell = Cell(row: i / width, col: i % width)
            if role == .good { good.append(cell) } else if role == .bad { bad.append(cell) }
        }
        return (good, bad)
    }

    public var blackCount: Int { bits.reduce(0) { $0 + Int($1) } }

    /// The share of cells that training samples (an edge: the other colour within one cell). Near
    /// 1 when the features are one or two cells wide everywhere (grid, random), near 0.4 for a
    /// large shape (heart, disk).
    public var edgeFraction: Double {
        Double(roles.lazy.filter { $0 != .ignored }.count) / Double(max(1, bits.count))
    }

    public func inverted() -> Pattern {
        Pattern(width: width, height: height, bits: bits.map { 1 - $0 }, name: name)
    }
}

/// A position on the pattern grid.
public struct Cell: Hashable, Sendable {
    public var row: Int
    public var col: Int
    public init(row: Int, col: Int) {
        self.row = row
        self.col = col
    }
}
