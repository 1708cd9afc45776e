/// The characters views draw with: Unicode when the terminal can, ASCII otherwise.
public struct Glyphs: Sendable {
    public let unicode: Bool

    public init(unicode: Bool) { self.unicode = unicode }

    /// Upper half block: foreground = upper sample, background = lower sample.
    public var upperHalf: Unicode.Scalar { "\u{2580}" }
    public var horizontal: Unicode.Scalar { unicode ? "\u{2500}" : "-" }
    public var vertical: Unicode.Scalar { unicode ? "\u{2502}" : "|" }
    public var topLeft: Unicode.Scalar { unicode ? "\u{250C}" : "+" }
    public var topRight: Unicode.Scalar { unicode ? "\u{2510}" : "+" }
    public var bottomLeft: Unicode.Scalar { unicode ? "\u{2514}" : "+" }
    public var bottomRight: Unicode.Scalar { unicode ? "\u{2518}" : "+" }
    public var ellipsis: String { unicode ? "\u{2026}" : "~" }
    public var dot: String { unicode ? "\u{00B7}" : "." }
    public var block: Unicode.Scalar { unicode ? "\u{2588}" : "#" }
    public var cursor: Unicode.Scalar { "+" }
    /// A transect's ends, and the dots between them.
    public var transectEnd: Unicode.Scalar { unicode ? "\u{25C6}" : "o" }
    public var transectDot: Unicode.Scalar { unicode ? "\u{00B7}" : "." }
    /// Sparkline levels, lowest first.
    public var bars: [Unicode.Scalar] {
        unicode ? ["\u{2581}", "\u{2582}", "\u{2583}", "\u{2584}", "\u{2585}", "\u{2586}", "\u{2587}", "\u{2588}"]
            : ["_", ".", "-", "~", "=", "+", "*", "#"]
    }
    /// Monochrome heatmap ramp from good (low loss: ink, like the pattern's black) to bad.
    public static let ramp: [Unicode.Scalar] = ["@", "%", "#", "*", "+", "=", "-", ":", "."]
    public var arrows: String { unicode ? "\u{2190}\u{2193}\u{2191}\u{2192}" : "arrows" }
}
