/// xoshiro256** — a small, fast generator whose whole state (four words) can be saved in a
/// checkpoint, so a resumed run draws exactly the numbers an uninterrupted one would.
public struct Xoshiro256: RandomNumberGenerator, Hashable, Sendable {
    public var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        // SplitMix64 spreads any seed, 0 included, over the four words.
        var z = seed
        func next() -> UInt64 {
            z &+= 0x9E37_79B9_7F4A_7C15
            var x = z
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            return x ^ (x >> 31)
        }
        state = (next(), next(), next(), next())
    }

    public init(state words: [UInt64]) {
        precondition(words.count == 4)
        state = (words[0], words[1], words[2], words[3])
    }

    public var words: [UInt64] { [state.0, state.1, state.2, state.3] }

    public mutating func next() -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [lo, hi) from 24 random bits.
    public mutating func uniform(_ lo: Float, _ hi: Float) -> Float {
        lo + (hi - lo) * Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform integer in 0..<n without modulo bias.
    public mutating func below(_ n: Int) -> Int {
        Int(next(upperBound: UInt64(n)))
    }

    public static func == (a: Self, b: Self) -> Bool { a.words == b.words }
    public func hash(into h: inout Hasher) { h.combine(words) }
}
