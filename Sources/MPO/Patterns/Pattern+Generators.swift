import Engine

/// Patterns made from a few numbers, as in the original code's experiments.
extension Pattern {
    /// A one-cell-wide square outline inset by one cell (the original `generate_square_mask`).
    public static func squareOutline(size: Int) -> Pattern {
        Pattern(width: size, height: size, name: "square\(size)") { r, c in
            let onRing = (r == 1 || r == size - 2) && (1...(size - 2)).contains(c)
                || (c == 1 || c == size - 2) && (1...(size - 2)).contains(r)
            return onRing
        }
    }

    /// The outline with its interior (two cells in from the edge) filled at random with
    /// probability p — the paper's BatchNorm experiment (`randomly_fill_square`).
    public static func randomlyFilledSquare(size: Int, probability p: Double, seed: UInt64) -> Pattern {
        var rng = Xoshiro256(seed: seed)
        var pattern = squareOutline(size: size)
        for r in 2..<max(2, size - 2) {
            for c in 2..<max(2, size - 2) {
                pattern[r, c] = Double(rng.next() >> 11) * 0x1p-53 < p
            }
        }
        pattern.name = "random\(size)-p\(Int((p * 100).rounded()))-s\(seed)"
        return pattern
    }

    /// An n x n grid of isolated black cells, each in a cell-sized gap: a stress test of resolution.
    public static func squareGrid(cells n: Int, spacing: Int = 3) -> Pattern {
        let side = n * spacing
        return Pattern(width: side, height: side, name: "grid\(n)") { r, c in
            r % spacing == spacing / 2 && c % spacing == spacing / 2
        }
    }

    /// A filled disk (inner = 0) or a ring between two radii, as fractions of the side.
    public static func ring(size: Int, outer: Double = 0.42, inner: Double = 0.2) -> Pattern {
        let center = Double(size - 1) / 2
        return Pattern(width: size, height: size, name: inner > 0 ? "ring\(size)" : "disk\(size)") { r, c in
            let d = ((Double(r) - center) * (Double(r) - center) + (Double(c) - center) * (Double(c) - center)).squareRoot()
            return d < Double(size) * outer && d > Double(size) * inner
        }
    }

    /// Uniform random pixels with probability p.
    public static func random(width: Int, height: Int, probability p: Double, seed: UInt64) -> Pattern {
        var rng = Xoshiro256(seed: seed)
        return Pattern(width: width, height: height, name: "noise\(width)x\(height)") { _, _ in
            Double(rng.next() >> 11) * 0x1p-53 < p
        }
    }
}
