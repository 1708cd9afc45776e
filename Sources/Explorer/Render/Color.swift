import MPO

/// A colour as a view asks for it; the terminal maps it to what it can show.
public enum Color: Hashable, Sendable {
    /// The terminal's own foreground or background.
    case `default`
    /// One of the 16 colours of the terminal's palette (0-7 normal, 8-15 bright).
    case ansi(UInt8)
    case rgb(ColorMap.RGB)

    public static let black = Color.ansi(0), red = Color.ansi(1), green = Color.ansi(2), yellow = Color.ansi(3)
    public static let blue = Color.ansi(4), magenta = Color.ansi(5), cyan = Color.ansi(6), white = Color.ansi(7)
    public static let gray = Color.ansi(8), brightWhite = Color.ansi(15)
}

/// How many colours the terminal shows, best first when compared.
public enum ColorDepth: Int, Comparable, Sendable, CustomStringConvertible {
    case mono, ansi8, ansi16, palette256, truecolor

    public static func < (a: ColorDepth, b: ColorDepth) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .mono: "no colours"
        case .ansi8: "8 colours"
        case .ansi16: "16 colours"
        case .palette256: "256 colours"
        case .truecolor: "24-bit colour"
        }
    }
}

/// What the views may use: decided once by the terminal, fixed in tests.
public struct Capabilities: Hashable, Sendable {
    /// UTF-8 output works (half blocks, box drawing); otherwise plain ASCII.
    public var unicode: Bool
    public var colors: ColorDepth

    public init(unicode: Bool, colors: ColorDepth) {
        self.unicode = unicode
        self.colors = colors
    }

    /// The heatmap needs colour to draw two samples per character; without it, an ASCII ramp.
    public var drawsHalfBlocks: Bool { unicode && colors > .mono }

    public static let full = Capabilities(unicode: true, colors: .truecolor)
    public static let ascii = Capabilities(unicode: false, colors: .mono)
}
