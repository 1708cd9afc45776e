import Foundation

extension Xoshiro256 {
    /// Standard normal numbers (Box–Muller on two 53-bit uniforms, both outputs used).
    public mutating func gaussians(_ count: Int) -> [Float] {
        var out = [Float]()
        out.reserveCapacity(count + 1)
        while out.count < count {
            // u1 in (0, 1] so the log is finite; u2 in [0, 1).
            let u1 = (Double(next() >> 11) + 1) * 0x1p-53, u2 = Double(next() >> 11) * 0x1p-53
            let r = (-2 * log(u1)).squareRoot()
            out.append(Float(r * cos(2 * .pi * u2)))
            out.append(Float(r * sin(2 * .pi * u2)))
        }
        return Array(out.prefix(count))
    }
}
