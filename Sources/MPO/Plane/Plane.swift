import CKernels
import Engine

/// A 2-D plane in weight space (DESIGN.md §1, "up_orthogonal"): learnable `origin`,
/// `right_param`, `up_param` (each [P]) and `scale`, stored in one flat vector
/// [origin | right_param | up_param | scale] of 3P + 1 floats so Adam and clipping see one tensor.
///
///     right = right_param - origin
///     up    = (up_param - right <up_param,right>/<right,right>) * |right| / |u_perp|
///     w(row, col) = origin + scale * ((row - H/2) * up + (col - W/2) * right)
public struct Plane: Sendable {
    /// P: parameters of one network.
    public let count: Int
    /// [3P + 1]
    public var parameters: [Float]
    /// The pattern grid the coordinates are centred on (H/2 and W/2 are integer divisions).
    public let height: Int, width: Int

    public init(count: Int, parameters: [Float], height: Int, width: Int) {
        precondition(parameters.count == 3 * count + 1)
        self.count = count
        self.parameters = parameters
        self.height = height
        self.width = width
    }

    /// Three independent PyTorch-default initialisations and scale 0.1, as the original code does.
    public init(layout: ParameterLayout, height: Int, width: Int, scale: Float = 0.1, rng: inout Xoshiro256) {
        let o = layout.initialWeights(using: &rng), r = layout.initialWeights(using: &rng), u = layout.initialWeights(using: &rng)
        self.init(count: layout.count, parameters: o + r + u + [scale], height: height, width: width)
    }

    public var origin: ArraySlice<Float> { parameters[0..<count] }
    public var rightParam: ArraySlice<Float> { parameters[count..<(2 * count)] }
    public var upParam: ArraySlice<Float> { parameters[(2 * count)..<(3 * count)] }
    public var scale: Float { parameters[3 * count] }

    /// Plane offsets of a grid position: (row - H/2, col - W/2). Fractional positions are allowed.
    public func offsets(row: Double, col: Double) -> (up: Float, right: Float) {
        (Float(row - Double(height / 2)), Float(col - Double(width / 2)))
    }

    /// The axes of the plane, computed once per step: right, up [P] and the quantities the
    /// backward pass through the Gram–Schmidt map needs.
    public struct Axes: Sendable {
        public var right: [Float]
        public var up: [Float]
        /// u_perp = up_param - alpha * right, before rescaling.
        var perpendicular: [Float]
        var alpha: Double
        var rightNorm: Double
        var perpendicularNorm: Double
    }

    public func axes() -> Axes {
        let p = count
        return parameters.withUnsafeBufferPointer { buf in
            let o = buf.baseAddress!, rp = o + p, upp = o + 2 * p
            var right = [Float](repeating: 0, count: p)
            var perpendicular = [Float](repeating: 0, count: p)
            var up = [Float](repeating: 0, count: p)
            right.withUnsafeMutableBufferPointer { r in
                // right = right_param - origin
                lp_plane_point(p, rp, -1, o, 0, o, r.baseAddress!)
            }
            let rr = right.withUnsafeBufferPointer { lp_sum_squares(p, $0.baseAddress!) }
            let ur = right.withUnsafeBufferPointer { lp_dot(p, upp, $0.baseAddress!) }
            let alpha = ur / rr
            right.withUnsafeBufferPointer { r in
                perpendicular.withUnsafeMutableBufferPointer { u in
                    lp_plane_point(p, upp, Float(-alpha), r.baseAddress!, 0, r.baseAddress!, u.baseAddress!)
                }
            }
            let uu = perpendicular.withUnsafeBufferPointer { lp_sum_squares(p, $0.baseAddress!) }
            let rightNorm = rr.squareRoot(), perpendicularNorm = uu.squareRoot()
            let k = Float(rightNorm / perpendicularNorm)
            for i in 0..<p { up[i] = perpendicular[i] * k }
            return Axes(right: right, up: up, perpendicular: perpendicular, alpha: alpha, rightNorm: rightNorm,
                        perpendicularNorm: perpendicularNorm)
        }
    }

    /// Writes the weights at (row, col) into w [P].
    public func point(row: Double, col: Double, axes: Axes, into w: UnsafeMutablePointer<Float>) {
        let (a, b) = offsets(row: row, col: col)
        let s = scale
        parameters.withUnsafeBufferPointer { o in
            axes.up.withUnsafeBufferPointer { u in
                axes.right.withUnsafeBufferPointer { r in
                    lp_plane_point(count, o.baseAddress!, s * a, u.baseAddress!, s * b, r.baseAddress!, w)
                }
            }
        }
    }

    public func point(row: Double, col: Double) -> [Float] {
        let ax = axes()
        var w = [Float](repeating: 0, count: count)
        w.withUnsafeMutableBufferPointer { point(row: row, col: col, axes: ax, into: $0.baseAddress!) }
        return w
    }

    /// Gradients of the loss w.r.t. the points, summed over cells k with offsets (a_k, b_k):
    /// sum g_k, sum a_k g_k, sum b_k g_k (each [P]).
    public struct PointGradients {
        public var sum: [Float]
        public var upWeighted: [Float]
        public var rightWeighted: [Float]

        public init(count: Int) {
            sum = .init(repeating: 0, count: count)
            upWeighted = .init(repeating: 0, count: count)
            rightWeighted = .init(repeating: 0, count: count)
        }
    }

    /// d(loss)/d(parameters) [3P + 1] from the summed point gradients — O(P), once per step:
    ///   dUp = s·Σa g, dRight = s·Σb g, dScale = <up, Σa g> + <right, Σb g>, dOrigin = Σ g,
    /// then back through the Gram–Schmidt map and right = right_param − origin.
    public func backward(_ g: PointGradients, axes: Axes) -> [Float] {
        let p = count, s = Double(scale)
        let up = axes.up, right = axes.right, perp = axes.perpendicular
        let upParam = Array(self.upParam)
        func dot(_ x: [Float], _ y: [Float]) -> Double {
            x.withUnsafeBufferPointer { a in y.withUnsafeBufferPointer { b in lp_dot(p, a.baseAddress!, b.baseAddress!) } }
        }
        let dScale = dot(up, g.upWeighted) + dot(right, g.rightWeighted)
        // gU = dL/dup = s * Σ a g
        let gU = g.upWeighted.map { Float(s) * $0 }
        let nr = axes.rightNorm, nu = axes.perpendicularNorm, alpha = axes.alpha, rr = nr * nr
        let gUdotPerp = dot(gU, perp)
        // up = perp * nr/nu:  dL/dperp = (nr/nu) gU - (nr/nu^3) <gU,perp> perp;  dL/dright += <gU,perp>/(nu nr) right
        let c1 = Float(nr / nu), c2 = Float(-nr / (nu * nu * nu) * gUdotPerp)
        var gP = [Float](repeating: 0, count: p)
        for i in 0..<p { gP[i] = c1 * gU[i] + c2 * perp[i] }
        let gPdotRight = dot(gP, right)
        // perp = up_param - alpha right, alpha = <up_param,right>/<right,right>
        //   dL/dup_param = gP - <gP,right>/rr right
        //   dL/dright   += -alpha gP - <gP,right>/rr (up_param - 2 alpha right)
        let k = Float(gPdotRight / rr)
        let fromNorm = Float(gUdotPerp / (nu * nr))
        var out = [Float](repeating: 0, count: 3 * p + 1)
        let fs = Float(s), fa = Float(alpha)
        for i in 0..<p {
            let dRight = fs * g.rightWeighted[i] + fromNorm * right[i] - fa * gP[i] - k * (upParam[i] - 2 * fa * right[i])
            out[i] = g.sum[i] - dRight          // origin: direct, and through right = right_param - origin
            out[p + i] = dRight                 // right_param
            out[2 * p + i] = gP[i] - k * right[i]  // up_param
        }
        out[3 * p] = Float(dScale)
        return out
    }
}
