import Foundation

/// The grids a session evaluates for a requested view: a cheaper one while training, finer ones
/// while paused.
extension Viewport {
    /// A view zoomed in further than this many pattern cells across keeps its own grid while
    /// training (at one sample per cell it would have too few samples to show anything).
    static let minimumLiveCells = 8

    /// The grid of a live map (while training) for this view: sample positions on the pattern's
    /// cell centres, one per cell, so a map of the pattern's cells also gives the gap; only the
    /// pattern's cells when the whole view would be more than `maxSamples` and the pattern lies
    /// within the view; every 2nd, 3rd... cell when even that is too many. A view zoomed out
    /// (more than one cell per sample) or far in keeps its own grid, decimated to `maxSamples`.
    public func liveGrid(pattern: Pattern, maxSamples: Int) -> Viewport {
        let budget = max(1, maxSamples)
        let top = centerRow - Double(rows) / 2 * zoom, bottom = centerRow + Double(rows) / 2 * zoom
        let left = centerCol - Double(cols) / 2 * zoom, right = centerCol + Double(cols) / 2 * zoom
        var r0 = Int((top - 1e-9).rounded(.up)), r1 = Int((bottom + 1e-9).rounded(.down))
        var c0 = Int((left - 1e-9).rounded(.up)), c1 = Int((right + 1e-9).rounded(.down))
        // Pixels at the view's edge still show the nearest sample: keep at least one row and column.
        if r1 < r0 { (r0, r1) = (Int(centerRow.rounded()), Int(centerRow.rounded())) }
        if c1 < c0 { (c0, c1) = (Int(centerCol.rounded()), Int(centerCol.rounded())) }
        let cellsAcross = min(r1 - r0 + 1, c1 - c0 + 1)
        guard zoom <= 1 + 1e-9, cellsAcross >= min(Self.minimumLiveCells, pattern.width, pattern.height) else {
            return decimated(toAtMost: budget)
        }
        if (r1 - r0 + 1) * (c1 - c0 + 1) > budget, r0 <= 0, r1 >= pattern.height - 1, c0 <= 0, c1 >= pattern.width - 1 {
            (r0, r1, c0, c1) = (0, pattern.height - 1, 0, pattern.width - 1)
        }
        var step = 1
        while ((r1 - r0) / step + 1) * ((c1 - c0) / step + 1) > budget { step += 1 }
        let n = (r1 - r0) / step + 1, m = (c1 - c0) / step + 1
        return Viewport(
            centerRow: Double(r0) + Double((n - 1) * step) / 2, centerCol: Double(c0) + Double((m - 1) * step) / 2,
            zoom: Double(step), rows: n, cols: m)
    }

    /// The same extent with every `d`-th row and column for the smallest d that gives at most
    /// `maxSamples` samples.
    func decimated(toAtMost maxSamples: Int) -> Viewport {
        var d = 1
        while ((rows + d - 1) / d) * ((cols + d - 1) / d) > max(1, maxSamples) { d += 1 }
        guard d > 1 else { return self }
        return Viewport(centerRow: centerRow, centerCol: centerCol, zoom: zoom * Double(d), rows: (rows + d - 1) / d, cols: (cols + d - 1) / d)
    }

    /// `f` x `f` samples in place of each sample, centred on it (a paused map refining).
    public func refined(by f: Int) -> Viewport {
        guard f > 1 else { return self }
        return Viewport(centerRow: centerRow, centerCol: centerCol, zoom: zoom / Double(f), rows: rows * f, cols: cols * f)
    }

    /// The sample at each of the pattern's cells (row-major), when the grid has one exactly on
    /// every cell centre; nil otherwise.
    public func samples(atCellsOf pattern: Pattern) -> [Int]? {
        var out: [Int] = []
        out.reserveCapacity(pattern.width * pattern.height)
        for r in 0..<pattern.height {
            let i = (Double(r) - centerRow) / zoom + Double(rows - 1) / 2
            let ii = Int(i.rounded())
            guard abs(i - Double(ii)) < 1e-6, (0..<rows).contains(ii) else { return nil }
            for c in 0..<pattern.width {
                let j = (Double(c) - centerCol) / zoom + Double(cols - 1) / 2
                let jj = Int(j.rounded())
                guard abs(j - Double(jj)) < 1e-6, (0..<cols).contains(jj) else { return nil }
                out.append(ii * cols + jj)
            }
        }
        return out
    }
}
