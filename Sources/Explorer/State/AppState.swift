import Foundation
import MPO

/// Everything the explorer shows, as one value: the latest session snapshot plus the UI's own
/// state. Keys, mouse and snapshots change it (see the extensions) and say what to redraw; the
/// views only read it. Commands for the session collect in `outbox` for the app loop to send,
/// so tests can run all of this without a session or a terminal.
public struct AppState {
    public enum Screen: Sendable { case explorer, editor }

    public var folders: ProjectFolders
    public var keyMap: KeyMap
    public var capabilities: Capabilities
    /// How the terminal was set up (shown in the help).
    public var terminalSummary = ""
    public private(set) var width: Int
    public private(set) var height: Int

    /// The session's latest publication; nil while no session runs (`mpo edit` before training).
    public internal(set) var snapshot: Session.Snapshot?
    public internal(set) var camera: Camera
    public var display = DisplayOptions()
    /// The transect's ends (v, V); the session computes its profile.
    public internal(set) var transectMarks = TransectMarks()
    public internal(set) var screen: Screen = .explorer
    public internal(set) var overlay: Overlay?
    public internal(set) var editor: EditorModel
    /// The editor was opened on its own (`mpo edit`): leaving it ends the program.
    public let editorOnly: Bool

    public internal(set) var outbox: [Session.Command] = []
    public internal(set) var notice: Notice?
    /// Set when the program should end, with its exit status.
    public internal(set) var exitCode: Int32?
    /// Printed after the terminal is restored.
    public internal(set) var farewell: String?
    /// The next frame must repaint every cell (Ctrl-L, resize).
    public var needsFullRepaint = false

    /// The last complete map (of this split, plane variant and pattern, or fixed plane): shown
    /// where the current map has no value yet, so a pan or zoom does not blank the screen.
    var backdrop: (map: Heatmap, batchNorm: Bool, pattern: Pattern, fixedPath: String?)?
    var sentViewport: Viewport?
    var requestedSplit: Session.Split?
    var lastMessageTime: Date?
    var probeSent: (row: Double, col: Double, time: Date, step: Int)?
    var cursorMovedAt: Date?
    /// Quitting once the session reports a save completed after `saves` earlier ones.
    var quitAfterSave: (since: Date, saves: Int)?
    /// Ended sessions whose recovery files are still to be offered, and whether training
    /// resumes once the question is answered (it waits while the question is open).
    var pendingRecoveries: [RecoveredSession] = []
    var trainAfterRecoveryOffer = false
    var editorOpened = false
    var checkpointCache: [String: CheckpointEntry] = [:]

    public init(
        pattern: Pattern, width: Int, height: Int, capabilities: Capabilities, folders: ProjectFolders,
        keyMap: KeyMap = .standard, editorOnly: Bool = false
    ) {
        self.folders = folders
        self.keyMap = keyMap
        self.capabilities = capabilities
        self.width = width
        self.height = height
        self.editorOnly = editorOnly
        let pixels = MainLayout(width: width, height: height).mapPixels
        camera = Camera(pattern: pattern, pixelWidth: pixels.width, pixelHeight: pixels.height)
        editor = EditorModel(pattern: pattern, saved: true)
        if editorOnly {
            screen = .editor
            editorOpened = true
        }
    }

    public var layout: MainLayout { MainLayout(width: width, height: height) }
    public var fitsScreen: Bool { MainLayout.fits(width: width, height: height) }
    public var hasSession: Bool { snapshot != nil }

    /// Takes the commands queued since the last call.
    public mutating func takeCommands() -> [Session.Command] {
        defer { outbox.removeAll() }
        return outbox
    }

    public mutating func resize(width w: Int, height h: Int) -> Redraw {
        width = w
        height = h
        let pixels = layout.mapPixels
        camera.resize(pixelWidth: pixels.width, pixelHeight: pixels.height, frame: frame)
        syncViewport()
        keepEditorCursorVisible()
        needsFullRepaint = true
        return .all
    }

    mutating func note(_ text: String, error: Bool = false, now: Date = Date()) {
        notice = Notice(text: text, isError: error, time: now)
    }

    /// Asks the session for the camera's viewport when it changed.
    mutating func syncViewport() {
        guard hasSession, camera.viewport != sentViewport else { return }
        sentViewport = camera.viewport
        outbox.append(.setDetail(camera.pixelsPerSample))  // how fine a paused map can usefully get
        outbox.append(.setViewport(camera.viewport))
    }

    /// Where the view starts: the session's pattern or fixed plane, else the editor's pattern.
    public var frame: PlaneFrame { snapshot?.training.frame ?? PlaneFrame(pattern: editor.pattern) }

    /// The fixed plane on show, if any (nothing trains then).
    public var fixedPlane: Session.FixedPlane? { snapshot?.training.fixedPlane }

    /// The split the user asked for (shown before the session switches).
    public var split: Session.Split { requestedSplit ?? snapshot?.map.split ?? .test }

    /// Steps that quitting, opening or training something else would throw away: both planes'.
    var unsavedSteps: Int { snapshot?.training.totalUnsavedSteps ?? 0 }

    /// The planes with unsaved steps.
    var unsavedPlanes: [Session.PlaneStatus] {
        guard let s = snapshot else { return [] }
        let planes = s.training.planes.isEmpty ? [Session.PlaneStatus(batchNorm: s.training.batchNorm, step: s.training.step, unsavedSteps: s.training.unsavedSteps)] : s.training.planes
        return planes.filter { $0.unsavedSteps > 0 }
    }

    /// "380 trained steps of the plain plane and 22 of the BatchNorm plane are not saved."
    var unsavedDescription: String {
        let parts = unsavedPlanes.enumerated().map { i, p in
            i == 0 ? "\(p.unsavedSteps) trained step\(p.unsavedSteps == 1 ? "" : "s") of the \(p.name) plane" : "\(p.unsavedSteps) of the \(p.name) plane"
        }
        return parts.joined(separator: " and ") + (parts.count == 1 && unsavedPlanes[0].unsavedSteps == 1 ? " is not saved." : " are not saved.")
    }

    /// The save answer's label: both planes are saved when both have unsaved steps.
    var saveChoice: String { unsavedPlanes.count > 1 ? "save both planes" : "save it" }

    /// The key context of whatever has the keys now.
    public var keyContext: KeyContext {
        switch overlay {
        case .help: .help
        case .browser, .picker: .list
        case .confirm, .prompt, nil: screen == .editor ? .editor : .explorer
        }
    }
}
