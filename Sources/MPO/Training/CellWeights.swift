import Engine
import Foundation

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
