import Foundation
import MPO

/// The mouse: on the map, a click moves the cursor and the wheel zooms there; in the editor a
/// press toggles a cell and a drag paints; in lists a click selects.
extension AppState {
    public mutating func handle(_ mouse: MouseEvent, now: Date = Date()) -> Redraw {
        switch overlay {
        case .browser, .picker: return handleListMouse(mouse, now: now)
        case .some: return []
        case nil: break
        }
        if screen == .editor { return handleEditorMouse(mouse) }
        let map = layout.map
        guard map.contains(x: mouse.x, y: mouse.y) else { return [] }
        let px = mouse.x - map.x, py = (mouse.y - map.y) * 2
        let sample = camera.sample(atPixelX: px, y: py)
        switch mouse.kind {
        case .press, .drag:
            camera.setCursor(row: sample.row, col: sample.col)
        case .wheelUp:
            camera.setCursor(row: sample.row, col: sample.col)
            camera.zoom(by: Camera.zoomStep)
        case .wheelDown:
            camera.setCursor(row: sample.row, col: sample.col)
            camera.zoom(by: 1 / Camera.zoomStep)
        case .release, .rightPress:
            return []
        }
        cursorMovedAt = now
        syncViewport()
        return [.map, .panel]
    }

    mutating func handleEditorMouse(_ mouse: MouseEvent) -> Redraw {
        defer { keepEditorCursorVisible() }
        let geometry = EditorGeometry(state: self)
        switch mouse.kind {
        case .press:
            guard let cell = geometry.cell(atX: mouse.x, y: mouse.y) else { return [] }
            editor.beginStroke(row: cell.row, col: cell.col)
        case .drag:
            guard let cell = geometry.cell(atX: mouse.x, y: mouse.y) else { return [] }
            editor.continueStroke(row: cell.row, col: cell.col)
        case .release:
            editor.endStroke()
            return []
        default:
            return []
        }
        return .all
    }

    mutating func handleListMouse(_ mouse: MouseEvent, now: Date) -> Redraw {
        let rows = ListGeometry(width: width, height: height).rows
        let step: Int
        switch mouse.kind {
        case .wheelUp: step = -1
        case .wheelDown: step = 1
        case .press:
            guard rows.contains(x: mouse.x, y: mouse.y) else { return [] }
            let scroll: Int, selection: Int
            switch overlay {
            case .browser(let l): (scroll, selection) = (l.scroll, l.selection)
            case .picker(let l, _): (scroll, selection) = (l.scroll, l.selection)
            default: return []
            }
            let target = scroll + mouse.y - rows.y
            if target == selection { return perform(.select, now: now) }  // a second click opens
            step = target - selection
        default: return []
        }
        switch overlay {
        case .browser(var l):
            l.move(by: step)
            overlay = .browser(l)
        case .picker(var l, let e):
            l.move(by: step)
            overlay = .picker(l, forEditor: e)
        default: break
        }
        return .overlay
    }
}
