import Foundation
import MPO

/// The pattern editor's actions.
extension AppState {
    mutating func performEditor(_ action: Action, now: Date) -> Redraw {
        defer { keepEditorCursorVisible() }
        switch action {
        case .cursorUp: editor.moveCursor(rows: -1, cols: 0)
        case .cursorDown: editor.moveCursor(rows: 1, cols: 0)
        case .cursorLeft: editor.moveCursor(rows: 0, cols: -1)
        case .cursorRight: editor.moveCursor(rows: 0, cols: 1)
        case .togglePixel: editor.togglePixel()
        case .clearPattern: editor.clear()
        case .invertPattern: editor.invert()
        case .undo:
            if !editor.canUndo { note("nothing to undo", now: now) }
            editor.undo()
        case .redo:
            if !editor.canRedo { note("nothing to redo", now: now) }
            editor.redo()
        case .growWidth: editor.resize(width: editor.pattern.width + 1, height: editor.pattern.height)
        case .shrinkWidth: editor.resize(width: editor.pattern.width - 1, height: editor.pattern.height)
        case .growHeight: editor.resize(width: editor.pattern.width, height: editor.pattern.height + 1)
        case .shrinkHeight: editor.resize(width: editor.pattern.width, height: editor.pattern.height - 1)
        case .resizePattern:
            overlay = .prompt(TextPrompt(
                purpose: .resizePattern, label: "New size (WxH):", text: "\(editor.pattern.width)x\(editor.pattern.height)"))
        case .newPattern:
            editor.startNew(name: "untitled")
        case .writePattern:
            overlay = .prompt(TextPrompt(purpose: .writePattern, label: "Write Patterns/NAME.pbm, name:", text: editor.pattern.name))
        case .loadPattern:
            overlay = .picker(pickerList(), forEditor: true)
        case .trainOnPattern:
            let pattern = editor.pattern
            let (good, bad) = pattern.trainedCells
            guard !good.isEmpty || !bad.isEmpty else {
                note("nothing to train: the pattern needs both black and white cells", error: true, now: now)
                return .bars
            }
            if hasSession { replacePlane(.train(pattern), now: now) } else { apply(.train(pattern), now: now) }
            needsFullRepaint = true
        case .help:
            overlay = .help(scroll: 0)
        case .close:
            if hasSession {
                screen = .explorer
                needsFullRepaint = true
            } else if editor.isModified {
                overlay = .confirm(Confirmation(
                    purpose: .leaveEditor, message: "The pattern has changes that are not written.",
                    choices: [("w", "write it"), ("q", "quit without writing"), ("n", "stay")]))
            } else {
                exitCode = 0
            }
        default:
            return []
        }
        return .all
    }

    /// Scrolls a picture larger than the screen so the cursor stays in view.
    mutating func keepEditorCursorVisible() {
        let g = EditorGeometry(state: self)
        (editor.scrollRow, editor.scrollCol) = g.scroll(toShow: editor.cursorRow, editor.cursorCol, pattern: editor.pattern)
    }
}
