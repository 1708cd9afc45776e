import Foundation

/// A curve w(t), t ∈ [0, 1], between two models A = w(0) and B = w(1) through one learnt point θ
/// (Garipov et al., "Loss Surfaces, Mode Connectivity, and Fast Ensembling of DNNs"):
///
///     bezier     w(t) = (1-t)² A + 2t(1-t) θ + t² B
///     polychain  w(t) = (1-2t) A + 2t θ         for t < 1/2
///                       (2-2t) θ + (2t-1) B     for t ≥ 1/2
///
/// Every point is a weighted sum of the three, so dw/dθ = c(t) I with c(t) the weight of θ:
/// 2t(1-t) for bezier, 2t or 2-2t for polychain.
public struct Curve: Sendable, Equatable {
    public enum Kind: String, CaseIterable, Sendable {
        case bezier, polychain
    }

    public var kind: Kind
    /// A, B: the fixed ends; θ: the learnt point. [P] each, in ParameterLayout order.
    public var a: [Float], b: [Float], theta: [Float]

    /// A curve whose θ starts at (A + B) / 2 (the straight segment, as a curve).
    public init(kind: Kind, from a: [Float], to b: [Float]) {
        precondition(a.count == b.count)
        self.init(kind: kind, a: a, b: b, theta: zip(a, b).map { ($0 + $1) / 2 })
    }

    public init(kind: Kind, a: [Float], b: [Float], theta: [Float]) {
        precondition(a.count == b.count && a.count == theta.count)
        self.kind = kind
        self.a = a
        self.b = b
        self.theta = theta
    }

    public var parameterCount: Int { a.count }

    /// The weights of A, θ and B in w(t) (they sum to 1).
    public static func coefficients(_ kind: Kind, t: Double) -> (a: Double, theta: Double, b: Double) {
        switch kind {
        case .bezier:
            return ((1 - t) * (1 - t), 2 * t * (1 - t), t * t)
        case .polychain:
            return t < 0.5 ? (1 - 2 * t, 2 * t, 0) : (0, 2 - 2 * t, 2 * t - 1)
        }
    }

    /// dw(t)/dθ as a multiple of the identity: the weight c(t) of θ.
    public func thetaWeight(_ t: Double) -> Double { Self.coefficients(kind, t: t).theta }

    /// w(t) into w [P]; the ends are A and B exactly.
    public func point(_ t: Double, into w: UnsafeMutablePointer<Float>) {
        let c = Self.coefficients(kind, t: t)
        let (ca, ct, cb) = (Float(c.a), Float(c.theta), Float(c.b))
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                theta.withUnsafeBufferPointer { th in
                    if t <= 0 { return w.update(from: a.baseAddress!, count: a.count) }
                    if t >= 1 { return w.update(from: b.baseAddress!, count: b.count) }
                    for i in 0..<a.count { w[i] = ca * a[i] + ct * th[i] + cb * b[i] }
                }
            }
        }
    }

    public func weights(_ t: Double) -> [Float] {
        var w = [Float](repeating: 0, count: parameterCount)
        w.withUnsafeMutableBufferPointer { point(t, into: $0.baseAddress!) }
        return w
    }

    /// t = 0, 1/(n-1), ..., 1.
    public static func evenly(_ count: Int) -> [Double] {
        precondition(count >= 2)
        return (0..<count).map { Double($0) / Double(count - 1) }
    }
}
