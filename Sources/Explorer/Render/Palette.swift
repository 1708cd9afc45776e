import MPO

/// Maps 24-bit colours onto smaller palettes: the xterm 256-colour cube and grey ramp, or the 16
/// (or 8) ANSI colours by nearest match against xterm's default values.
public enum Palette {
    /// xterm's default RGB for ANSI colours 0-15 (terminals differ; these are the usual ones).
    public static let ansi: [ColorMap.RGB] = [
        0x000000, 0xCD0000, 0x00CD00, 0xCDCD00, 0x0000EE, 0xCD00CD, 0x00CDCD, 0xE5E5E5,
        0x7F7F7F, 0xFF0000, 0x00FF00, 0xFFFF00, 0x5C5CFF, 0xFF00FF, 0x00FFFF, 0xFFFFFF,
    ].map(ColorMap.RGB.init(hex:))

    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    static func distance(_ a: ColorMap.RGB, _ r: Int, _ g: Int, _ b: Int) -> Int {
        let dr = Int(a.r) - r, dg = Int(a.g) - g, db = Int(a.b) - b
        // weighted towards green, as the eye is: keeps dark purples from turning blue-black
        return 2 * dr * dr + 4 * dg * dg + 3 * db * db
    }

    /// The nearest of the 240 non-system xterm colours (cube 16-231, greys 232-255).
    public static func index256(_ c: ColorMap.RGB) -> Int {
        func nearestLevel(_ v: UInt8) -> Int {
            var best = 0
            for (i, l) in cubeLevels.enumerated() where abs(l - Int(v)) < abs(cubeLevels[best] - Int(v)) { best = i }
            return best
        }
        let (ri, gi, bi) = (nearestLevel(c.r), nearestLevel(c.g), nearestLevel(c.b))
        let cube = 16 + 36 * ri + 6 * gi + bi
        let cubeDistance = distance(c, cubeLevels[ri], cubeLevels[gi], cubeLevels[bi])
        let mean = (Int(c.r) + Int(c.g) + Int(c.b)) / 3
        let g = min(23, max(0, (mean - 8 + 5) / 10))
        let level = 8 + 10 * g
        return distance(c, level, level, level) < cubeDistance ? 232 + g : cube
    }

    /// The RGB of xterm colour `index` (16-231 the cube, 232-255 the grey ramp).
    public static func color256(_ index: Int) -> ColorMap.RGB {
        if index >= 232 {
            let v = UInt8(8 + 10 * (index - 232))
            return ColorMap.RGB(v, v, v)
        }
        let i = index - 16
        return ColorMap.RGB(UInt8(cubeLevels[i / 36]), UInt8(cubeLevels[i / 6 % 6]), UInt8(cubeLevels[i % 6]))
    }

    /// Weight of the luminance term in `ramp256`, against the squared RGB distance.
    static let rampLuminanceWeight = 40.0

    /// A colour ramp in the 256-colour palette with its lightness in the same order: where the ramp
    /// gets lighter from one entry to the next, so does the result (and darker where it darkens).
    /// Entry by entry the nearest match (`index256`) is not: viridis from t = 0.16 to 0.40 fell on
    /// (95,95,135), lighter than the (0,95,135) after it, so a quarter of the map's range showed as
    /// one light grey-violet beside darker blues. Chosen for the least total cost, distance plus
    /// `rampLuminanceWeight` x (255 x luminance difference)^2 (dynamic programming over the 240
    /// colours in luminance order); the results are palette colours, which `index256` maps exactly.
    public static func ramp256(_ ramp: [ColorMap.RGB]) -> [ColorMap.RGB] {
        guard !ramp.isEmpty else { return [] }
        // the candidates lightest last: "no lighter than" is a prefix, "no darker than" a suffix
        let candidates = (16...255).map(color256).enumerated().sorted {
            ($0.element.luminance, $0.offset) < ($1.element.luminance, $1.offset)
        }.map(\.element)
        let n = candidates.count
        func cost(_ c: ColorMap.RGB, _ x: ColorMap.RGB) -> Double {
            let dl = 255 * (x.luminance - c.luminance)
            return Double(distance(c, Int(x.r), Int(x.g), Int(x.b))) + rampLuminanceWeight * dl * dl
        }
        var total = candidates.map { cost(ramp[0], $0) }  // [n]: least cost of entries 0...l ending on candidate j
        var from: [[Int]] = []  // [L-1][n]: the best predecessor of candidate j at entry l
        for l in 1..<ramp.count {
            let lighter = ramp[l].luminance >= ramp[l - 1].luminance
            var best = [Int](repeating: 0, count: n)
            if lighter {
                for j in 0..<n { best[j] = j > 0 && total[best[j - 1]] <= total[j] ? best[j - 1] : j }
            } else {
                for j in (0..<n).reversed() { best[j] = j < n - 1 && total[best[j + 1]] <= total[j] ? best[j + 1] : j }
            }
            total = (0..<n).map { total[best[$0]] + cost(ramp[l], candidates[$0]) }
            from.append(best)
        }
        var j = total.indices.min { total[$0] < total[$1] }!
        var out = [candidates[j]]
        for best in from.reversed() {
            j = best[j]
            out.append(candidates[j])
        }
        return out.reversed()
    }

    /// The nearest ANSI colour among the first `count` (8 or 16).
    public static func indexANSI(_ c: ColorMap.RGB, count: Int) -> Int {
        var best = 0, bestDistance = Int.max
        for i in 0..<min(count, ansi.count) {
            let d = distance(c, Int(ansi[i].r), Int(ansi[i].g), Int(ansi[i].b))
            if d < bestDistance { (best, bestDistance) = (i, d) }
        }
        return best
    }
}
