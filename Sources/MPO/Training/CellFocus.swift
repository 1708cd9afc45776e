import Engine

/// How a step picks its cells among the pattern's trained ones. The paper draws them uniformly;
/// `.wrong` draws each cell with a weight that grows with how wrong it was the last time it was
/// drawn, so steps go where the picture is not there yet instead of to cells already fitted
/// (bad cells past the clamp pass no gradient at all, and a good cell at low loss little).
public enum CellFocus: Hashable, Sendable, Codable {
    case uniform
    /// Weight = `floor` + wrongness in [0, 1]: a good cell's min(CE, clip) / clip, a bad cell's
    /// 1 - min(CE, clip) / clip, measured on the step's minibatch when it was last drawn (cells
    /// never drawn count as wrong). The floor keeps fitted cells coming back, so their weights do
    /// not go stale while the plane moves under them.
    case wrong(floor: Float)
}

extension CellFocus {
    /// The floor `wrong` takes when none is given.
    public static let defaultFloor: Float = 0.2

    /// "uniform", "wrong" or "wrong:FLOOR" (FLOOR 0.01...100).
    public static func parse(_ text: String) throws -> CellFocus {
        if text == "uniform" { return .uniform }
        if text == "wrong" { return .wrong(floor: defaultFloor) }
        if text.hasPrefix("wrong:"), let floor = Float(text.dropFirst(6)), floor.isFinite, (0.01...100).contains(floor) {
            return .wrong(floor: floor)
        }
        throw DataError("--focus", "\(text): use uniform, wrong or wrong:FLOOR")
    }

    public var text: String {
        switch self {
        case .uniform: "uniform"
        case .wrong(let floor): "wrong:\(floor)"
        }
    }
}
