import Foundation
import MPO

/// Keys: dialogs take their own keys first, then the key map of the current context decides.
extension AppState {
    public mutating func handle(_ event: InputEvent, now: Date = Date()) -> Redraw {
        switch event {
        case .key(let key): return handle(key, now: now)
        case .mouse(let mouse): return handle(mouse, now: now)
        case .resize: return []  // the app loop reads the new size and calls resize
        }
    }

    /// The key that does `action`, for messages ("press v again"); its keys.conf name when no key does.
    func keyName(_ action: Action, in context: KeyContext = .explorer) -> String {
        keyMap.shownKeys(for: action, in: context).first?.hintName ?? action.rawValue
    }

    public mutating func handle(_ key: Key, now: Date = Date()) -> Redraw {
        if case .prompt(let prompt) = overlay { return handlePrompt(key, prompt, now: now) }
        if case .confirm(let confirmation) = overlay { return handleConfirm(key, confirmation, now: now) }
        guard let action = keyMap.action(for: key, in: keyContext) else { return [] }
        return perform(action, now: now)
    }

    public mutating func perform(_ action: Action, now: Date = Date()) -> Redraw {
        if action == .redraw {
            needsFullRepaint = true
            return .all
        }
        switch overlay {
        case .help(let scroll): return performHelp(action, scroll: scroll)
        case .browser, .picker: return performList(action, now: now)
        default: return screen == .editor ? performEditor(action, now: now) : performExplorer(action, now: now)
        }
    }

    // MARK: explorer

    mutating func performExplorer(_ action: Action, now: Date) -> Redraw {
        let moved: Redraw = [.map, .panel]
        switch action {
        case .cursorUp: camera.moveCursor(rows: -1, cols: 0)
        case .cursorDown: camera.moveCursor(rows: 1, cols: 0)
        case .cursorLeft: camera.moveCursor(rows: 0, cols: -1)
        case .cursorRight: camera.moveCursor(rows: 0, cols: 1)
        case .panUp: camera.panStep(rows: -1, cols: 0)
        case .panDown: camera.panStep(rows: 1, cols: 0)
        case .panLeft: camera.panStep(rows: 0, cols: -1)
        case .panRight: camera.panStep(rows: 0, cols: 1)
        case .zoomIn: camera.zoom(by: Camera.zoomStep)
        case .zoomOut: camera.zoom(by: 1 / Camera.zoomStep)
        case .resetView: camera.reset(to: frame)
        case .toggleSplit:
            let next: Session.Split = split == .test ? .train : .test
            requestedSplit = next
            outbox.append(.setSplit(next))
            return .all
        case .toggleMetric:
            display.metric = display.metric == .loss ? .accuracy : .loss
            return .all
        case .toggleBatchNorm where fixedPlane != nil, .togglePause where fixedPlane != nil, .save where fixedPlane != nil:
            note("fixed plane: nothing trains, and it is saved as \(displayPath(fixedPlane!.path)) (\(keyName(.openPicker)) or \(keyName(.openEditor)) trains a pattern afresh)", now: now)
            return .bars
        case .toggleBatchNorm:
            outbox.append(.toggleBatchNorm)
            note("switching to the \(snapshot?.training.batchNorm == true ? "plain" : "BatchNorm") plane...", now: now)
            return .bars
        case .togglePause:
            outbox.append(.togglePause)
            return .bars
        case .cycleColorMap:
            display.colorMap = display.colorMap.next
            return [.map, .panel]
        case .cycleScale:
            display.scale = display.scale.next
            if display.scale == .log && display.metric == .accuracy { note("the log scale applies to loss (press \(keyName(.toggleMetric)))", now: now) }
            return [.map, .panel, .bars]
        case .toggleEdges:
            display.showEdges.toggle()
            return [.map, .panel]
        case .markTransect:
            return markTransect(now: now)
        case .cycleMarkerTransect:
            return cycleMarkerTransect(now: now)
        case .curvatureAtCursor:
            guard let s = snapshot, s.status != .loading else { return [] }
            let p = camera.cursorPosition
            outbox.append(.curvature(row: p.row, col: p.col))
            note("the Hessian's top eigenvalue at the cursor (\(s.map.split.rawValue) split): computing...", now: now)
            return [.bars, .panel]
        case .save:
            outbox.append(.save(name: nil))
            note("saving...", now: now)
            return .bars
        case .openBrowser:
            var list = FileList(items: CheckpointEntry.list(in: folders.checkpoints, cache: &checkpointCache))
            if let current = snapshot?.training.lastSavedPath, let i = list.items.firstIndex(where: { $0.path == current }) { list.selection = i }
            overlay = .browser(list)
            return .all
        case .openPicker:
            overlay = .picker(pickerList(), forEditor: false)
            return .all
        case .openEditor:
            if !editorOpened, let pattern = snapshot?.training.pattern { editor = EditorModel(pattern: pattern) }
            editorOpened = true
            screen = .editor
            needsFullRepaint = true
            return .all
        case .help:
            overlay = .help(scroll: 0)
            return .all
        case .quit:
            requestQuit(now: now)
            return .all
        default:
            return []
        }
        // the cursor or the view moved
        cursorMovedAt = now
        syncViewport()
        return moved
    }

    func pickerList() -> FileList<PatternEntry> {
        var list = FileList(items: PatternEntry.list(in: folders.patterns))
        let current = screen == .editor ? editor.pattern.name : snapshot?.training.pattern.name
        if let i = list.items.firstIndex(where: { $0.name == current }) { list.selection = i }
        return list
    }

    mutating func requestQuit(now: Date) {
        if hasSession && unsavedSteps > 0 {
            overlay = .confirm(Confirmation(
                purpose: .quit, message: unsavedDescription,
                choices: [("s", saveChoice + ", then quit"), ("q", "quit without saving (\(unsavedSteps) steps lost)"), ("n", "stay")]))
        } else {
            exitCode = 0
        }
    }

    /// Runs a change that replaces the plane, asking first if that throws away unsaved steps.
    mutating func replacePlane(_ change: PendingChange, now: Date) {
        if unsavedSteps > 0 {
            let what = switch change {
            case .open: "Opening a checkpoint replaces both planes."
            case .train(let p): "Training \(p.name) starts both planes afresh."
            }
            overlay = .confirm(Confirmation(
                purpose: .discard(then: change), message: unsavedDescription + " " + what,
                choices: [("s", saveChoice + " first"), ("y", "discard \(unsavedSteps) steps"), ("n", "cancel")]))
            return
        }
        apply(change, now: now)
    }

    mutating func apply(_ change: PendingChange, now: Date) {
        outbox.append(change.command)
        overlay = nil
        screen = .explorer
        switch change {
        case .open(let path): note("opening \((path as NSString).lastPathComponent)...", now: now)
        case .train(let p): note("starting a fresh plane on \(p.name) (\(p.width)x\(p.height))...", now: now)
        }
    }
}
