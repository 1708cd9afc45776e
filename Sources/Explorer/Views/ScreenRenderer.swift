/// Draws the whole state into a cell buffer: the main screen or the editor, then any overlay.
/// Parts not flagged for redraw keep their cells from the previous frame.
public enum ScreenRenderer {
    public static func render(_ state: AppState, into buffer: inout CellBuffer, parts requested: Redraw = .all) {
        var parts = requested
        if buffer.width != state.width || buffer.height != state.height {
            buffer = CellBuffer(width: state.width, height: state.height)
            parts = .all
        }
        guard state.fitsScreen else {
            TooSmallView(width: state.width, height: state.height).render(into: &buffer)
            return
        }
        let theme = Theme(state.capabilities)
        // under an overlay everything is redrawn: it may have covered any part
        if state.overlay != nil || parts.contains(.overlay) { parts = .all }

        if state.screen == .editor {
            EditorView(state: state, theme: theme).render(into: &buffer)
        } else {
            let layout = state.layout
            let picture = parts.contains(.map) || parts.contains(.panel) ? MapPicture(state: state) : nil
            if parts.contains(.bars) {
                TitleBar(state: state, theme: theme).render(into: &buffer, rect: layout.title)
                StatusBar(state: state, theme: theme).render(into: &buffer, rect: layout.status)
            }
            if let picture, parts.contains(.map) {
                HeatmapView(state: state, picture: picture, theme: theme).render(into: &buffer, rect: layout.map)
            }
            if let picture, parts.contains(.map) || parts.contains(.bars) {
                Legend(state: state, picture: picture, theme: theme).render(into: &buffer, rect: layout.legend)
            } else if parts.contains(.bars) {
                Legend(state: state, picture: MapPicture(state: state), theme: theme).render(into: &buffer, rect: layout.legend)
            }
            if let picture, parts.contains(.panel), !layout.panel.isEmpty {
                SidePanel(state: state, picture: picture, theme: theme).render(into: &buffer, rect: layout.panel)
            }
        }
        switch state.overlay {
        case .help(let scroll): HelpView(state: state, theme: theme).render(into: &buffer, scroll: scroll)
        case .browser, .picker: FileListView(state: state, theme: theme).render(into: &buffer)
        case .confirm, .prompt: DialogView(state: state, theme: theme).render(into: &buffer)
        case nil: break
        }
    }
}
