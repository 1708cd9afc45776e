/// The pens and glyphs of the UI for one terminal's capabilities: colour where there is some,
/// bold and reverse video where there is none.
public struct Theme: Sendable {
    public let capabilities: Capabilities
    public let glyphs: Glyphs

    public init(_ capabilities: Capabilities) {
        self.capabilities = capabilities
        glyphs = Glyphs(unicode: capabilities.unicode)
    }

    var colored: Bool { capabilities.colors > .mono }

    var titleBar: Pen { colored ? Pen(fg: .brightWhite, bg: .blue, .bold) : Pen(.reverse) }
    var titleAccent: Pen { colored ? Pen(fg: .ansi(11), bg: .blue, .bold) : Pen([.reverse, .bold]) }
    var header: Pen { colored ? Pen(fg: .cyan, .bold) : Pen(.bold) }
    var label: Pen { .plain }
    var value: Pen { .bold }
    var faint: Pen { colored ? Pen(fg: .gray) : .plain }
    var error: Pen { colored ? Pen(fg: .ansi(9), .bold) : Pen([.bold, .reverse]) }
    var good: Pen { colored ? Pen(fg: .green, .bold) : .bold }
    var warning: Pen { colored ? Pen(fg: .yellow, .bold) : .bold }
    var selection: Pen { .reverse }
    var frame: Pen { colored ? Pen(fg: .cyan) : .plain }
    var key: Pen { colored ? Pen(fg: .yellow, .bold) : .bold }
    var sparkline: Pen { colored ? Pen(fg: .cyan) : .plain }
}
