/// Questions and text prompts, in a small box at the centre.
struct DialogView {
    let state: AppState
    let theme: Theme

    func render(into buffer: inout CellBuffer) {
        let width = min(72, state.width - 4)
        switch state.overlay {
        case .confirm(let c):
            let message = c.message.split(separator: "\n", omittingEmptySubsequences: false).flatMap { Format.wrap(String($0), width - 4) }
            let box = buffer.bounds.centered(width: width, height: message.count + c.choices.count + 4)
            Box.draw(box, title: "Please choose", theme: theme, into: &buffer)
            var y = box.y + 1
            for line in message {
                buffer.write(line, x: box.x + 2, y: y, limit: width - 4)
                y += 1
            }
            y += 1
            for choice in c.choices where y < box.maxY - 1 {
                let x = buffer.write(" \(choice.key) ", x: box.x + 2, y: y, pen: theme.selection)
                buffer.write(" " + choice.label, x: x, y: y, limit: box.maxX - x - 1)
                y += 1
            }
        case .prompt(let p):
            let errors = p.error.map { Format.wrap($0, width - 4) } ?? []
            let box = buffer.bounds.centered(width: width, height: 6 + errors.count)
            Box.draw(box, title: p.label, theme: theme, into: &buffer)
            let field = Rect(x: box.x + 2, y: box.y + 2, width: width - 4, height: 1)
            buffer.fill(field, with: Cell(" ", theme.selection))
            let shown = String(p.text.suffix(field.width - 1))
            let x = buffer.write(shown, x: field.x, y: field.y, pen: theme.selection)
            buffer[x, field.y] = Cell("_", Pen([.reverse, .bold]))
            for (i, line) in errors.enumerated() { buffer.write(line, x: box.x + 2, y: box.y + 3 + i, pen: theme.error) }
            buffer.write("Enter OK   Esc cancel", x: box.x + 2, y: box.maxY - 2, pen: theme.faint)
        default:
            break
        }
    }
}

/// Shown instead of the UI when the terminal is smaller than the layout needs.
struct TooSmallView {
    let width: Int, height: Int

    func render(into buffer: inout CellBuffer) {
        buffer.fill(buffer.bounds)
        let text = "Terminal too small (\(width)x\(height)). LossPatterns needs at least \(MainLayout.minimumWidth)x\(MainLayout.minimumHeight): enlarge the window, or press q to quit."
        let lines = Format.wrap(text, max(1, width - 2))
        let top = max(0, (height - lines.count) / 2)
        for (i, line) in lines.enumerated() where top + i < height {
            buffer.write(line, x: max(0, (width - line.count) / 2), y: top + i, pen: .bold)
        }
    }
}
