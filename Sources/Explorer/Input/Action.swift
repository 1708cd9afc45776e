/// Everything a key can do. The raw value is the name used in keys.conf.
public enum Action: String, CaseIterable, Sendable {
    // moving (the explorer's cursor, the editor's cursor, list selections)
    case cursorUp, cursorDown, cursorLeft, cursorRight
    case pageUp, pageDown
    // the map
    case panUp, panDown, panLeft, panRight
    case zoomIn, zoomOut, resetView
    case toggleSplit, toggleMetric, toggleBatchNorm, togglePause
    case cycleColorMap, cycleScale, toggleEdges
    case markTransect, cycleMarkerTransect
    case curvatureAtCursor
    // the run
    case save, openBrowser, openPicker, openEditor
    case help, quit, redraw
    // dialogs and lists
    case select, close
    // the editor
    case togglePixel, clearPattern, invertPattern, undo, redo
    case growWidth, shrinkWidth, growHeight, shrinkHeight, resizePattern, newPattern
    case writePattern, trainOnPattern, loadPattern

    /// One line for the help overlay.
    public var summary: String {
        switch self {
        case .cursorUp: "cursor up"
        case .cursorDown: "cursor down"
        case .cursorLeft: "cursor left"
        case .cursorRight: "cursor right"
        case .pageUp: "page up"
        case .pageDown: "page down"
        case .panUp: "pan up"
        case .panDown: "pan down"
        case .panLeft: "pan left"
        case .panRight: "pan right"
        case .zoomIn: "zoom in at the cursor"
        case .zoomOut: "zoom out at the cursor"
        case .resetView: "reset to the pattern's extent"
        case .toggleSplit: "train / test split"
        case .toggleMetric: "loss / accuracy"
        case .toggleBatchNorm: "plain / BatchNorm plane"
        case .togglePause: "pause / resume training"
        case .cycleColorMap: "colour map (viridis, diverging, gray)"
        case .cycleScale: "colour scale: linear, ranked, log"
        case .toggleEdges: "overlay the pattern's edges"
        case .markTransect: "transect: mark start, end; clear"
        case .cycleMarkerTransect: "transect between markers: A-B, B-C, A-C"
        case .curvatureAtCursor: "Hessian's top eigenvalue at the cursor"
        case .save: "save a checkpoint"
        case .openBrowser: "open a checkpoint"
        case .openPicker: "pick a pattern to train"
        case .openEditor: "pattern editor"
        case .help: "this help"
        case .quit: "quit"
        case .redraw: "redraw the screen"
        case .select: "choose"
        case .close: "close / back"
        case .togglePixel: "toggle the pixel"
        case .clearPattern: "clear (all white)"
        case .invertPattern: "invert"
        case .undo: "undo"
        case .redo: "redo"
        case .growWidth: "wider"
        case .shrinkWidth: "narrower"
        case .growHeight: "taller"
        case .shrinkHeight: "shorter"
        case .resizePattern: "set the size (WxH)"
        case .newPattern: "new blank pattern"
        case .writePattern: "write to Patterns/NAME.pbm"
        case .trainOnPattern: "train a fresh plane on this"
        case .loadPattern: "load a pattern from Patterns/"
        }
    }
}

/// What must be drawn again after a change (htop's redraw flags).
public struct Redraw: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// The heatmap and its legend.
    public static let map = Redraw(rawValue: 1)
    public static let panel = Redraw(rawValue: 2)
    /// Title and status lines.
    public static let bars = Redraw(rawValue: 4)
    /// Dialogs, help, editor: anything drawn over or instead of the main screen.
    public static let overlay = Redraw(rawValue: 8)
    public static let all: Redraw = [.map, .panel, .bars, .overlay]
}
