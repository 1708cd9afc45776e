import Engine

extension Evaluator {
    /// The whole viewport at once (`HeatmapAssembler` in one chunk).
    public func heatmap(_ surface: some PlaneSurface, viewport: Viewport, split: Split, step: Int) -> Heatmap {
        var map = Heatmap(viewport: viewport, split: split, step: step)
        var cells = HeatmapAssembler(viewport: viewport, surface: surface)
        cells.fill(&map, count: viewport.count, evaluator: self)
        return map
    }

    public func heatmap(plane: Plane, viewport: Viewport, split: Split, step: Int) -> Heatmap {
        heatmap(plane.surface, viewport: viewport, split: split, step: step)
    }

    /// The paper's measures on the pattern's own cells (see `PatternScore`).
    public func score(plane: Plane, pattern: Pattern) -> PatternScore {
        let map = heatmap(plane.surface, viewport: Viewport(pattern: pattern), split: .test, step: 0)
        return PatternScore(pattern: pattern, loss: map.loss, accuracy: map.accuracy)
    }
}
