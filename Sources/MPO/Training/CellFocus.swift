import Engine
import Foundation

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

/// The per-cell weights of `CellFocus.wrong` over a trainer's good and bad cell lists, and the
/// weighted draw without replacement (Efraimidis–Spirakis: the k largest u^(1/w)).
public struct CellWeights: Hashable, Sendable {
    /// [good.count + bad.count]: the wrongness last seen for each trained cell, good cells first.
    public var wrongness: [Float]

    public init(count: Int) {
        wrongness = [Float](repeating: 1, count: count)
    }

    public init(wrongness: [Float]) {
        self.wrongness = wrongness
    }

    /// k distinct indices in `offset..<offset + n` of `wrongness`, in draw order, returned relative
    /// to `offset`.
    func draw(_ k: Int, offset: Int, n: Int, floor: Float, rng: inout Xoshiro256) -> [Int] {
        var keys: [(key: Double, index: Int)] = (0..<n).map { i in
            // u in (0, 1]; log(u) / w orders like u^(1/w) without underflow.
            let u = Double(rng.next() >> 11 + 1) / Double(1 << 53)
            return (log(u) / Double(floor + wrongness[offset + i]), i)
        }
        let m = min(k, n)
        keys.sort { $0.key > $1.key || ($0.key == $1.key && $0.index < $1.index) }
        return keys[0..<m].map(\.index)
    }

    /// Records what a step measured: `losses[j]` is the CE of the cell at `index[j]` (an index
    /// into `wrongness`), `good[j]` whether it is a good cell.
    mutating func record(index: [Int], losses: [Double], good: [Bool], clip: Float) {
        for j in index.indices {
            let fitted = Float(min(max(losses[j], 0), Double(clip))) / clip
            wrongness[index[j]] = good[j] ? fitted : 1 - fitted
        }
    }
}
