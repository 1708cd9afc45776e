/// Colour maps shared by the terminal heatmap and the PNG renderer.
/// `viridis` (perceptually uniform, colour-blind safe) is the default; `diverging` is the
/// original code's RdBu_r (blue low, white middle, red high); `gray` is black to white.
public enum ColorMap: String, CaseIterable, Sendable, Codable {
    case viridis, diverging, gray

    public struct RGB: Hashable, Sendable {
        public var r: UInt8, g: UInt8, b: UInt8
        public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
            self.r = r
            self.g = g
            self.b = b
        }
        public init(hex: UInt32) { self.init(UInt8(hex >> 16 & 0xFF), UInt8(hex >> 8 & 0xFF), UInt8(hex & 0xFF)) }
        /// Relative luminance in [0, 1] (for choosing readable text on top).
        public var luminance: Double { (0.2126 * Double(r) + 0.7152 * Double(g) + 0.0722 * Double(b)) / 255 }
    }

    /// Evenly spaced stops from t = 0 to t = 1.
    var stops: [RGB] {
        switch self {
        case .viridis:
            [0x440154, 0x482878, 0x3E4989, 0x31688E, 0x26828E, 0x1F9E89, 0x35B779, 0x6ECE58, 0xFDE725].map(RGB.init(hex:))
        case .diverging:
            [0x2166AC, 0x4393C3, 0x92C5DE, 0xD1E5F0, 0xF7F7F7, 0xFDDBC7, 0xF4A582, 0xD6604D, 0xB2182B].map(RGB.init(hex:))
        case .gray:
            [0x000000, 0xFFFFFF].map(RGB.init(hex:))
        }
    }

    /// The colour at t in [0, 1] (clamped), linearly interpolated between stops.
    public func color(_ t: Double) -> RGB {
        let s = stops
        let x = (t.isFinite ? min(max(t, 0), 1) : 0) * Double(s.count - 1)
        let i = min(Int(x), s.count - 2), f = x - Double(i)
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) + (Double(b) - Double(a)) * f).rounded()) }
        return RGB(mix(s[i].r, s[i + 1].r), mix(s[i].g, s[i + 1].g), mix(s[i].b, s[i + 1].b))
    }

    public var next: ColorMap {
        let all = Self.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }
}
