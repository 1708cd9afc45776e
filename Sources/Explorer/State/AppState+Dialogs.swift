import Foundation
import MPO

/// Questions (quit, discard unsaved steps) and text prompts (names, sizes).
extension AppState {
    mutating func handleConfirm(_ key: Key, _ c: Confirmation, now: Date) -> Redraw {
        var answer: Character? = switch key {
        case .char(let ch): Character(ch.lowercased())
        case .escape: "n"
        case .ctrl("c"): "n"
        default: nil
        }
        if case .recover = c.purpose, answer == "n" { answer = "k" }  // Esc: ask again next time
        guard let answer, c.choices.contains(where: { $0.key == answer }) else { return [] }
        overlay = nil
        switch (c.purpose, answer) {
        case (.quit, "s"):
            quitAfterSave = (now, snapshot?.training.savesCompleted ?? 0)
            outbox.append(.save(name: nil))
            note("saving before quitting...", now: now)
        case (.quit, "q"):
            farewell = "quit without saving " + unsavedPlanes.map { "\($0.unsavedSteps) trained steps of the \($0.name) plane" }.joined(separator: " and ")
            exitCode = 0
        case (.discard(let change), "s"):
            outbox.append(.save(name: nil))
            apply(change, now: now)
        case (.discard(let change), "y"):
            apply(change, now: now)
        case (.leaveEditor, "w"):
            overlay = .prompt(TextPrompt(purpose: .writePattern, label: "Write Patterns/NAME.pbm, name:", text: editor.pattern.name))
        case (.leaveEditor, "q"):
            exitCode = 0
        case (.recover(let ended), _):
            answerRecovery(ended, answer, now: now)
        default:
            break
        }
        return .all
    }

    mutating func handlePrompt(_ key: Key, _ prompt: TextPrompt, now: Date) -> Redraw {
        var p = prompt
        switch key {
        case .escape, .ctrl("c"):
            overlay = nil
            return .all
        case .backspace, .delete:
            if !p.text.isEmpty { p.text.removeLast() }
        case .ctrl("u"):
            p.text = ""
        case .char(let c):
            if p.text.count < TextPrompt.maxLength { p.text.append(c) }
        case .enter:
            overlay = nil
            if let error = submit(p, now: now) {
                p.error = error
                overlay = .prompt(p)
            }
            return .all
        default:
            return []
        }
        p.error = nil
        overlay = .prompt(p)
        return .overlay
    }

    /// Acts on a submitted prompt; returns a complaint to show in it instead.
    mutating func submit(_ prompt: TextPrompt, now: Date) -> String? {
        switch prompt.purpose {
        case .writePattern:
            do {
                let folder = folders.patterns
                try SafeName.ensureFolder(folder)
                let path = try SafeName.path(for: prompt.text, extension: "pbm", in: folder)
                let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                var pattern = editor.pattern
                pattern.name = name
                try pattern.writePBM(to: path)
                editor.markSaved(name: name)
                note("wrote \(displayPath(path))", now: now)
                return nil
            } catch {
                return "\(error)"
            }
        case .resizePattern:
            let numbers = prompt.text.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            guard let w = numbers.first, numbers.count <= 2 else { return "type a size like 24x16 (or 20 for a square)" }
            let h = numbers.count == 2 ? numbers[1] : w
            guard EditorModel.sides.contains(w), EditorModel.sides.contains(h) else {
                return "sides must be within \(EditorModel.sides.lowerBound)...\(EditorModel.sides.upperBound)"
            }
            editor.resize(width: w, height: h)
            return nil
        }
    }

    /// A path relative to the project folder when inside it.
    func displayPath(_ path: String) -> String {
        let root = folders.root.hasSuffix("/") ? folders.root : folders.root + "/"
        return path.hasPrefix(root) ? String(path.dropFirst(root.count)) : path
    }
}
