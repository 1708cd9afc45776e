/// How well a plane draws its pattern, on the pattern's cells at one sample each.
public struct PatternScore: Sendable, Hashable {
    /// Mean accuracy on trained black cells minus on trained white cells — the paper's measure
    /// (over edge cells, as the reference code's ternary mask selects them).
    public var gap: Double
    public var goodAccuracy: Double, badAccuracy: Double
    public var goodLoss: Double, badLoss: Double
    /// Mean accuracy on all black cells minus on all white cells, interiors included: how well
    /// the whole picture shows, not only its trained edges.
    public var wholeGap: Double
    /// Fraction of all pattern cells on the right side of the midpoint between the black and
    /// white cells' mean losses (low loss where black).
    public var match: Double

    public init(pattern: Pattern, loss: [Float], accuracy: [Float]) {
        let roles = pattern.roles
        func mean(_ values: [Float], _ role: Pattern.Role) -> Double {
            let v = zip(values, roles).filter { $0.1 == role }.map { Double($0.0) }
            return v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count)
        }
        goodAccuracy = mean(accuracy, .good)
        badAccuracy = mean(accuracy, .bad)
        goodLoss = mean(loss, .good)
        badLoss = mean(loss, .bad)
        gap = goodAccuracy - badAccuracy
        func mean(_ values: [Float], black: Bool) -> Double {
            let v = zip(values, pattern.bits).filter { ($0.1 != 0) == black }.map { Double($0.0) }
            return v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count)
        }
        wholeGap = mean(accuracy, black: true) - mean(accuracy, black: false)
        let black = zip(loss, pattern.bits).filter { $0.1 != 0 }.map { Double($0.0) }
        let white = zip(loss, pattern.bits).filter { $0.1 == 0 }.map { Double($0.0) }
        let threshold = ((black.isEmpty ? 0 : black.reduce(0, +) / Double(black.count))
            + (white.isEmpty ? 0 : white.reduce(0, +) / Double(white.count))) / 2
        let right = zip(loss, pattern.bits).filter { (Double($0.0) < threshold) == ($0.1 != 0) }.count
        match = Double(right) / Double(max(1, loss.count))
    }
}
