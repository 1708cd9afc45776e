import MPO

/// Which part of the plane the heatmap area shows, and how finely it is sampled.
///
/// The screen area is measured in pixels: one character is two pixels stacked (upper half block),
/// so pixels are roughly square. Each sample of the evaluated grid covers `pixelsPerSample` x
/// `pixelsPerSample` pixels; the grid covers the whole area. Evaluation is the expensive part
/// (a forward pass over every evaluation image per sample), so the grid stays near the pattern's
/// own size and is scaled up on screen rather than sampled at full screen resolution.
public struct Camera: Hashable, Sendable {
    /// The heatmap area in pixels.
    public private(set) var pixelWidth: Int
    public private(set) var pixelHeight: Int
    public private(set) var pixelsPerSample: Int
    /// Centre, zoom (pattern cells per sample) and grid size: what the session evaluates.
    public private(set) var viewport: Viewport
    /// The cursor's sample in the grid.
    public private(set) var cursorRow: Int
    public private(set) var cursorCol: Int
    /// True while the view is exactly the reset view (it is then re-fitted on resize).
    public private(set) var isHome: Bool
    /// Grid units per frame cell (1 for a pattern): zoom limits are in frame cells.
    public private(set) var unit = 1.0

    /// At most this many samples per map: a full-resolution map of a large pattern would take
    /// minutes per refresh with the paper net.
    public static let maxSamples = 2500
    /// Small patterns get several samples per cell rather than huge blocks.
    static let maxPixelsPerSample = 8
    public static let zoomStep = 2.0.squareRoot()
    static let zoomRange = (1.0 / 64)...64.0

    public init(pattern: Pattern, pixelWidth: Int, pixelHeight: Int) {
        self.init(frame: PlaneFrame(pattern: pattern), pixelWidth: pixelWidth, pixelHeight: pixelHeight)
    }

    public init(frame: PlaneFrame, pixelWidth: Int, pixelHeight: Int) {
        self.pixelWidth = max(1, pixelWidth)
        self.pixelHeight = max(1, pixelHeight)
        pixelsPerSample = 1
        viewport = frame.viewport
        cursorRow = 0
        cursorCol = 0
        isHome = true
        reset(to: frame)
    }

    /// Samples to cover the area at `k` pixels each.
    static func grid(_ pw: Int, _ ph: Int, _ k: Int) -> (rows: Int, cols: Int) {
        ((ph + k - 1) / k, (pw + k - 1) / k)
    }

    /// Samples allowed for a frame: about twice its cells, within 400...maxSamples.
    static func budget(for frame: PlaneFrame) -> Int {
        min(maxSamples, max(400, 2 * frame.cols * frame.rows))
    }

    public mutating func reset(to pattern: Pattern) { reset(to: PlaneFrame(pattern: pattern)) }

    /// The frame (a pattern, or a direction plane's α, β square) fitted into the area, each cell an
    /// exact block of samples, centred. Worked out in frame cells, then scaled to grid units.
    public mutating func reset(to frame: PlaneFrame) {
        let (w, h) = (frame.cols, frame.rows)
        let fit = min(pixelWidth / w, pixelHeight / h)  // pixels per cell at one sample per cell
        var k: Int, perCell: Int  // pixels per sample; samples per cell side (0: fewer than one)
        if fit >= 1 {
            perCell = (fit + Self.maxPixelsPerSample - 1) / Self.maxPixelsPerSample
            k = max(1, fit / perCell)
        } else {
            perCell = 0
            k = 1
        }
        let budget = Self.budget(for: frame)
        var cellsPerPixel = perCell > 0 ? 1 / Double(perCell * k) : max(Double(w) / Double(pixelWidth), Double(h) / Double(pixelHeight))
        while Self.grid(pixelWidth, pixelHeight, k).rows * Self.grid(pixelWidth, pixelHeight, k).cols > budget {
            k += 1
            perCell = 0  // cells no longer map onto whole samples
        }
        if perCell == 0 {
            cellsPerPixel = max(cellsPerPixel, max(Double(w) / Double(pixelWidth), Double(h) / Double(pixelHeight)))
        }
        let (rows, cols) = Self.grid(pixelWidth, pixelHeight, k)
        let zoom = perCell > 0 ? 1 / Double(perCell) : cellsPerPixel * Double(k)
        var center = (row: Double(h - 1) / 2, col: Double(w - 1) / 2)
        if perCell > 0 {
            // Put sample positions exactly on cell (sub)centres, whatever the parities of grid and pattern.
            let m = Double(perCell)
            let r0 = (rows - h * perCell) / 2, c0 = (cols - w * perCell) / 2
            center.row = (Double(rows - 1) / 2 - Double(r0) - (m - 1) / 2) / m
            center.col = (Double(cols - 1) / 2 - Double(c0) - (m - 1) / 2) / m
        }
        if perCell == 0 && frame.axes == .alphaBeta {
            // A sample exactly on the origin model (the middle one of an even count sits half a sample off).
            if rows % 2 == 0 { center.row -= zoom / 2 }
            if cols % 2 == 0 { center.col -= zoom / 2 }
        }
        pixelsPerSample = k
        unit = frame.cell
        // frame cells -> grid units: the frame's cell (r, c) sits at its centre + (r - (h-1)/2) * cell
        func grid(_ r: Double, _ c: Double) -> (Double, Double) {
            (frame.centerRow + (r - Double(h - 1) / 2) * frame.cell, frame.centerCol + (c - Double(w - 1) / 2) * frame.cell)
        }
        let middle = grid(center.row, center.col)
        viewport = Viewport(centerRow: middle.0, centerCol: middle.1, zoom: zoom * frame.cell, rows: rows, cols: cols)
        cursorRow = rows / 2
        cursorCol = cols / 2
        let home = grid(Double(h / 2), Double(w / 2))
        if let s = viewport.sample(nearest: home.0, home.1) { (cursorRow, cursorCol) = s }
        isHome = true
    }

    /// A new area size (terminal resize): the home view is re-fitted; any other view keeps its
    /// centre and scale on screen, and the cursor its plane position.
    public mutating func resize(pixelWidth pw: Int, pixelHeight ph: Int, pattern: Pattern) {
        resize(pixelWidth: pw, pixelHeight: ph, frame: PlaneFrame(pattern: pattern))
    }

    public mutating func resize(pixelWidth pw: Int, pixelHeight ph: Int, frame: PlaneFrame) {
        guard pw != pixelWidth || ph != pixelHeight else { return }
        if isHome {
            pixelWidth = max(1, pw)
            pixelHeight = max(1, ph)
            reset(to: frame)
            return
        }
        let cursor = cursorPosition
        let cellsPerPixel = viewport.zoom / Double(pixelsPerSample)
        pixelWidth = max(1, pw)
        pixelHeight = max(1, ph)
        var k = pixelsPerSample
        while Self.grid(pixelWidth, pixelHeight, k).rows * Self.grid(pixelWidth, pixelHeight, k).cols > Self.budget(for: frame) { k += 1 }
        let (rows, cols) = Self.grid(pixelWidth, pixelHeight, k)
        pixelsPerSample = k
        viewport = Viewport(centerRow: viewport.centerRow, centerCol: viewport.centerCol, zoom: cellsPerPixel * Double(k), rows: rows, cols: cols)
        placeCursor(at: cursor)
    }

    /// Plane position of the cursor (grid units: pattern cells, or (−β, α)).
    public var cursorPosition: (row: Double, col: Double) { viewport.position(row: cursorRow, col: cursorCol) }

    /// The sample under a pixel of the area.
    public func sample(atPixelX x: Int, y: Int) -> (row: Int, col: Int) {
        (min(viewport.rows - 1, max(0, y / pixelsPerSample)), min(viewport.cols - 1, max(0, x / pixelsPerSample)))
    }

    /// Plane position at the centre of a pixel.
    public func position(atPixelX x: Int, y: Int) -> (row: Double, col: Double) {
        let k = Double(pixelsPerSample)
        let i = (Double(y) + 0.5) / k - 0.5, j = (Double(x) + 0.5) / k - 0.5
        return (viewport.centerRow + (i - Double(viewport.rows - 1) / 2) * viewport.zoom,
                viewport.centerCol + (j - Double(viewport.cols - 1) / 2) * viewport.zoom)
    }

    /// Moves the cursor by whole samples; at the edge of the grid the view pans instead.
    public mutating func moveCursor(rows dr: Int, cols dc: Int) {
        let r = cursorRow + dr, c = cursorCol + dc
        let panRows = r < 0 ? r : r >= viewport.rows ? r - viewport.rows + 1 : 0
        let panCols = c < 0 ? c : c >= viewport.cols ? c - viewport.cols + 1 : 0
        cursorRow = min(viewport.rows - 1, max(0, r))
        cursorCol = min(viewport.cols - 1, max(0, c))
        if panRows != 0 || panCols != 0 { pan(rows: panRows, cols: panCols) }
    }

    /// Puts the cursor on a sample (mouse click).
    public mutating func setCursor(row: Int, col: Int) {
        cursorRow = min(viewport.rows - 1, max(0, row))
        cursorCol = min(viewport.cols - 1, max(0, col))
    }

    /// Shifts the view by whole samples; the cursor keeps its place on screen.
    public mutating func pan(rows dr: Int, cols dc: Int) {
        viewport.centerRow += Double(dr) * viewport.zoom
        viewport.centerCol += Double(dc) * viewport.zoom
        isHome = false
    }

    /// Pans by an eighth of the view (at least one sample).
    public mutating func panStep(rows: Int, cols: Int) {
        pan(rows: rows * max(1, viewport.rows / 8), cols: cols * max(1, viewport.cols / 8))
    }

    /// Zooms by `factor` (> 1 zooms in) keeping the plane point under the cursor in place.
    public mutating func zoom(by factor: Double) {
        let p = cursorPosition
        let z = min(Self.zoomRange.upperBound * unit, max(Self.zoomRange.lowerBound * unit, viewport.zoom / factor))
        guard z != viewport.zoom else { return }
        viewport.zoom = z
        viewport.centerRow = p.row - (Double(cursorRow) - Double(viewport.rows - 1) / 2) * z
        viewport.centerCol = p.col - (Double(cursorCol) - Double(viewport.cols - 1) / 2) * z
        isHome = false
    }

    private mutating func placeCursor(at p: (row: Double, col: Double)) {
        let i = Int(((p.row - viewport.centerRow) / viewport.zoom + Double(viewport.rows - 1) / 2).rounded())
        let j = Int(((p.col - viewport.centerCol) / viewport.zoom + Double(viewport.cols - 1) / 2).rounded())
        setCursor(row: i, col: j)
    }
}
