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
