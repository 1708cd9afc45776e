import Engine

/// Loss and accuracy over a viewport; NaN where a sample has not been evaluated yet.
public struct Heatmap: Sendable {
    public var viewport: Viewport
    public var split: Split
    /// Training step of the plane that was evaluated.
    public var step: Int
    public var loss: [Float]  // [rows * cols]
    public var accuracy: [Float]  // [rows * cols]

    public init(viewport: Viewport, split: Split, step: Int) {
        self.viewport = viewport
        self.split = split
        self.step = step
        loss = .init(repeating: .nan, count: viewport.count)
        accuracy = .init(repeating: .nan, count: viewport.count)
    }

    public enum Metric: String, CaseIterable, Sendable, Codable {
        case loss, accuracy
    }

    public func values(_ metric: Metric) -> [Float] { metric == .loss ? loss : accuracy }

    public var evaluatedCount: Int { loss.reduce(0) { $1.isNaN ? $0 : $0 + 1 } }
}
