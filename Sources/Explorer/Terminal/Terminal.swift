import CCurses
import Foundation
import MPO

/// The only owner of curses: start-up (locale, terminal type, colours, mouse), input decoding,
/// drawing a `CellBuffer` by writing only the cells that changed since the last frame, and
/// teardown. Call it from the UI thread only — curses is not thread-safe.
public final class Terminal {
    public private(set) var capabilities: Capabilities
    /// How the terminal was set up, for the help overlay ("xterm-256color, 256 colours, UTF-8").
    public private(set) var summary: String
    private var screen: OpaquePointer?
    private var window: UnsafeMutablePointer<WINDOW> { lp_stdscr() }
    private var previous: CellBuffer?
    private var pairs: [PairKey: Int32] = [:]
    private var nextPair: Int32 = 1
    private var pairLimit: Int32 = 0
    private var pairsExhausted = false
    private var leftDown = false
    /// Mouse events read together, oldest first, handed out one per `readEvent`.
    private var queued: [InputEvent] = []
    private var closed = false

    private struct PairKey: Hashable {
        var fg: Int32, bg: Int32
    }

    /// `ascii` forces ASCII drawing without colours (`--ascii`).
    public init(ascii: Bool = false, wakeFD: Int32) throws {
        guard isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else {
            throw TerminalError("the explorer needs a terminal (stdin and stdout must be a tty)")
        }
        SignalGuard.unblockSignals()
        let utf8 = Self.chooseLocale()
        SignalGuard.saveTermios()

        let env = ProcessInfo.processInfo.environment
        let term = env["TERM"] ?? ""
        guard !term.isEmpty, term != "dumb" else {
            throw TerminalError("the explorer needs a terminal with cursor addressing (TERM is \(term.isEmpty ? "unset" : term))")
        }
        // COLORTERM says the terminal takes 24-bit colour even when TERM names a 256-colour entry.
        var type = term
        let wantsTruecolor = ["truecolor", "24bit"].contains(env["COLORTERM"]?.lowercased() ?? "")
        if wantsTruecolor, !term.hasSuffix("-direct"), !ascii,
           let direct = DirectColorEntry.make(for: term, exists: { name in name.withCString { lp_terminfo_exists($0) } != 0 }) {
            type = direct
        }
        screen = type.withCString { lp_newterm($0) }
        if screen == nil, type != term { screen = lp_newterm(nil); type = term }
        guard screen != nil else { throw TerminalError("unknown terminal type \"\(term)\" (no terminfo entry)") }
        set_term(screen)

        cbreak()
        noecho()
        nonl()
        intrflush(lp_stdscr(), false)
        keypad(lp_stdscr(), true)
        nodelay(lp_stdscr(), true)
        set_escdelay(25)
        curs_set(0)

        var depth = ColorDepth.mono
        if !ascii, has_colors() {
            // has_colors() first: ncurses can crash allocating pairs on terminals without colour
            start_color()
            use_default_colors()
            let colors = lp_colors()
            depth = colors >= 1 << 24 || lp_tigetflag("RGB") != 0 && colors > 256 ? .truecolor
                : colors >= 256 ? .palette256 : colors >= 16 ? .ansi16 : colors >= 8 ? .ansi8 : .mono
            pairLimit = Int32(min(lp_color_pairs(), 1 << 16))
        }
        capabilities = Capabilities(unicode: utf8 && !ascii, colors: depth)
        summary = "\(type), \(depth), \(capabilities.unicode ? "UTF-8" : "ASCII")"

        mousemask(lp_all_mouse_events() | lp_report_mouse_position(), nil)
        mouseinterval(0)  // report presses and releases at once; no click detection delay

        SignalGuard.setResetBytes(Self.resetBytes())
        SignalGuard.active = 1
        SignalGuard.install(wakeFD: wakeFD)
    }

    deinit { shutdown() }

    /// The UTF-8 locale of the environment, else C.UTF-8; false when neither works (ASCII then).
    private static func chooseLocale() -> Bool {
        setlocale(LC_ALL, "")
        if lp_is_utf8_locale() != 0 { return true }
        for name in ["C.UTF-8", "C.utf8", "en_US.UTF-8"] where setlocale(LC_ALL, name) != nil {
            if lp_is_utf8_locale() != 0 { return true }
        }
        setlocale(LC_ALL, "")
        return false
    }

    /// Leaves mouse reporting, attributes, hidden cursor, keypad mode and the alternate screen.
    private static func resetBytes() -> [UInt8] {
        var bytes = Array("\u{1B}[?1000l\u{1B}[?1002l\u{1B}[?1003l\u{1B}[?1006l".utf8)
        for cap in ["sgr0", "cnorm", "rmkx", "rmcup"] {
            if let s = lp_tigetstr(cap) { bytes += Array(String(cString: s).utf8) }
        }
        return bytes
    }

    public var size: (width: Int, height: Int) { (Int(lp_getmaxx(window)), Int(lp_getmaxy(window))) }

    /// After SIGWINCH: asks the kernel for the size and tells curses if it changed (curses' own
    /// handler may have been bypassed when the signal landed on another thread).
    public func checkResize() -> Bool {
        var ws = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_row > 0, ws.ws_col > 0 else { return false }
        let (w, h) = size
        guard Int(ws.ws_col) != w || Int(ws.ws_row) != h else { return false }
        resizeterm(Int32(ws.ws_row), Int32(ws.ws_col))
        previous = nil
        return true
    }

    /// The next input event, or nil when none is waiting.
    public func readEvent() -> InputEvent? {
        if !queued.isEmpty { return queued.removeFirst() }
        var wch: wint_t = 0
        let r = wget_wch(window, &wch)
        if r == ERR { return nil }
        if r == KEY_CODE_YES { return functionKey(Int32(wch)) }
        let v = UInt32(wch)
        switch v {
        case 10, 13: return .key(.enter)
        case 27: return .key(.escape)
        case 8, 127: return .key(.backspace)
        case 9: return .key(.tab)
        case 0: return .key(.char(" "))  // Ctrl-Space
        case 1...26: return .key(.ctrl(Character(Unicode.Scalar(v + 96)!)))
        default:
            guard let scalar = Unicode.Scalar(v), v >= 32 else { return readEvent() }
            return .key(.char(Character(scalar)))
        }
    }

    private func functionKey(_ code: Int32) -> InputEvent? {
        switch code {
        case KEY_UP: return .key(.up)
        case KEY_DOWN: return .key(.down)
        case KEY_LEFT: return .key(.left)
        case KEY_RIGHT: return .key(.right)
        case KEY_SR: return .key(.shiftUp)
        case KEY_SF: return .key(.shiftDown)
        case KEY_SLEFT: return .key(.shiftLeft)
        case KEY_SRIGHT: return .key(.shiftRight)
        case KEY_ENTER: return .key(.enter)
        case KEY_BACKSPACE: return .key(.backspace)
        case KEY_DC: return .key(.delete)
        case KEY_BTAB: return .key(.backTab)
        case KEY_PPAGE: return .key(.pageUp)
        case KEY_NPAGE: return .key(.pageDown)
        case KEY_HOME: return .key(.home)
        case KEY_END: return .key(.end)
        case KEY_RESIZE:
            previous = nil
            return .resize
        case KEY_MOUSE:
            queued = mouseEvents()
            return queued.isEmpty ? readEvent() : queued.removeFirst()
        default:
            for n in 1...24 where code == lp_key_f(Int32(n)) { return .key(.function(n)) }
            return readEvent()  // a key we do not use
        }
    }

    /// All mouse events curses has queued: a fast drag delivers several in one read, and curses
    /// then keeps them in its queue (newest first) behind a single KEY_MOUSE.
    private func mouseEvents() -> [InputEvent] {
        var raw: [MEVENT] = []
        var event = MEVENT()
        while raw.count < 64 && getmouse(&event) == OK { raw.append(event) }
        return raw.reversed().compactMap(translate)
    }

    private func translate(_ event: MEVENT) -> InputEvent? {
        let b = event.bstate
        let (x, y) = (Int(event.x), Int(event.y))
        func has(_ mask: mmask_t) -> Bool { b & mask != 0 }
        if has(lp_button4_pressed()) { return .mouse(MouseEvent(.wheelUp, x: x, y: y)) }
        if has(lp_button5_pressed()) { return .mouse(MouseEvent(.wheelDown, x: x, y: y)) }
        if has(lp_button1_pressed()) {
            // a motion report with the button held arrives as another press: that is a drag
            defer { leftDown = true }
            return .mouse(MouseEvent(leftDown ? .drag : .press, x: x, y: y))
        }
        if has(lp_button1_released()) {
            leftDown = false
            return .mouse(MouseEvent(.release, x: x, y: y))
        }
        if has(lp_button1_clicked()) {
            leftDown = false
            return .mouse(MouseEvent(.press, x: x, y: y))
        }
        if has(lp_button3_pressed()) { return .mouse(MouseEvent(.rightPress, x: x, y: y)) }
        if has(lp_report_mouse_position()) && leftDown { return .mouse(MouseEvent(.drag, x: x, y: y)) }
        return nil
    }

    /// Forgets the last frame so the next `present` writes every cell (after a resize or Ctrl-L).
    public func invalidate(clear: Bool = false) {
        previous = nil
        if clear { clearok(window, true) }
    }

    /// Draws the buffer: only cells that differ from the previous frame go to curses, and curses
    /// in turn sends only what changed on the screen — no full clears, no flicker.
    public func present(_ buffer: CellBuffer) {
        guard !closed, SignalGuard.crashed == 0 else { return }
        let (w, h) = size
        if previous.map({ $0.width != buffer.width || $0.height != buffer.height }) ?? true { previous = nil }
        if pairsExhausted {
            // colour pairs ran out (a terminal with few): start the table again and redraw it all
            pairs.removeAll()
            nextPair = 1
            pairsExhausted = false
            previous = nil
        }
        for y in 0..<min(h, buffer.height) {
            for x in 0..<min(w, buffer.width) {
                let cell = buffer[x, y]
                if let p = previous, p[x, y] == cell { continue }
                put(cell, x: x, y: y)
            }
        }
        wnoutrefresh(window)
        doupdate()
        previous = buffer
    }

    private func put(_ cell: Cell, x: Int, y: Int) {
        var char = cell.char
        if !capabilities.unicode && char.value > 126 { char = "?" }
        var attrs = lp_a_normal()
        let a = cell.pen.attributes
        if a.contains(.bold) { attrs |= lp_a_bold() }
        if a.contains(.reverse) { attrs |= lp_a_reverse() }
        if a.contains(.dim) { attrs |= lp_a_dim() }
        if a.contains(.underline) { attrs |= lp_a_underline() }
        let pair = capabilities.colors == .mono ? 0 : self.pair(fg: cell.pen.fg, bg: cell.pen.bg)
        _ = lp_put_cell(window, Int32(y), Int32(x), wchar_t(bitPattern: char.value), attrs, pair)
    }

    /// The curses colour number of a colour in this terminal's depth (-1: the default colour).
    private func number(_ color: Color) -> Int32 {
        switch (color, capabilities.colors) {
        case (.default, _), (_, .mono): return -1
        case (.ansi(let i), .truecolor):
            // a direct-colour terminfo takes 0-7 as ANSI colours and anything above as RGB
            if i < 8 { return Int32(i) }
            return number(.rgb(Palette.ansi[Int(i)]))
        case (.ansi(let i), .palette256), (.ansi(let i), .ansi16): return Int32(i)
        case (.ansi(let i), .ansi8): return Int32(i % 8)
        case (.rgb(let c), .truecolor): return max(8, Int32(c.r) << 16 | Int32(c.g) << 8 | Int32(c.b))
        case (.rgb(let c), .palette256): return Int32(Palette.index256(c))
        case (.rgb(let c), .ansi16): return Int32(Palette.indexANSI(c, count: 16))
        case (.rgb(let c), .ansi8): return Int32(Palette.indexANSI(c, count: 8))
        }
    }

    private func pair(fg: Color, bg: Color) -> Int32 {
        let key = PairKey(fg: number(fg), bg: number(bg))
        if key.fg == -1 && key.bg == -1 { return 0 }
        if let p = pairs[key] { return p }
        guard nextPair < pairLimit else {
            pairsExhausted = true
            return 0
        }
        let p = nextPair
        nextPair += 1
        init_extended_pair(p, key.fg, key.bg)
        pairs[key] = p
        return p
    }

    /// Leaves curses and puts the terminal back as it was. Safe to call more than once.
    public func shutdown() {
        guard !closed else { return }
        closed = true
        mousemask(0, nil)
        endwin()
        if let screen { delscreen(screen) }
        screen = nil
        // endwin leaves the alternate screen and keypad mode; mouse reporting is ours to end.
        // write(2), not FileHandle: after a hang-up the terminal answers EIO, which must not crash.
        let reset = Array("\u{1B}[?1000l\u{1B}[?1002l\u{1B}[?1003l\u{1B}[?1006l".utf8)
        _ = reset.withUnsafeBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        SignalGuard.active = 0
        SignalGuard.uninstall()
    }
}
