import Foundation
import MPO

/// The help overlay, the checkpoint browser and the pattern picker.
extension AppState {
    mutating func performHelp(_ action: Action, scroll: Int) -> Redraw {
        switch action {
        case .cursorUp: overlay = .help(scroll: max(0, scroll - 1))
        case .cursorDown: overlay = .help(scroll: scroll + 1)
        case .close, .help:
            overlay = nil
            return .all
        default: return []
        }
        return .overlay
    }

    mutating func performList(_ action: Action, now: Date) -> Redraw {
        let page = max(1, height - 8)
        let step: Int? = switch action {
        case .cursorUp, .cursorLeft: -1
        case .cursorDown, .cursorRight: 1
        case .pageUp: -page
        case .pageDown: page
        default: nil
        }
        switch overlay {
        case .browser(var list):
            if let step {
                list.move(by: step)
                overlay = .browser(list)
                return .overlay
            }
            if action == .select, let entry = list.selected {
                guard entry.readable else {
                    note("cannot open \(entry.name): \(entry.problem ?? "unreadable")", error: true, now: now)
                    return .bars
                }
                overlay = nil
                replacePlane(.open(path: entry.path), now: now)
                return .all
            }
        case .picker(var list, let forEditor):
            if let step {
                list.move(by: step)
                overlay = .picker(list, forEditor: forEditor)
                return .overlay
            }
            if action == .select || action == .openEditor, let entry = list.selected {
                guard let pattern = entry.pattern else {
                    note("cannot read \(entry.name): \(entry.problem ?? "unreadable")", error: true, now: now)
                    return .bars
                }
                overlay = nil
                if forEditor || action == .openEditor {
                    editor.load(pattern)
                    editorOpened = true
                    screen = .editor
                    note("editing \(entry.name)", now: now)
                } else if !hasSession {
                    apply(.train(pattern), now: now)
                } else {
                    replacePlane(.train(pattern), now: now)
                }
                return .all
            }
        default: break
        }
        if action == .close {
            overlay = nil
            return .all
        }
        if action == .help {
            overlay = .help(scroll: 0)
            return .all
        }
        return []
    }
}
