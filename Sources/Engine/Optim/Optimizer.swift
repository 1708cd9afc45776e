import Foundation

/// The one optimiser, over one flat parameter vector [P]; its kind is a setting, not a copy:
///   adam  PyTorch's Adam with bias correction:
///         m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
///   sgd   PyTorch's SGD with momentum (no dampening, no Nesterov):
///         m = mu m + g;  p -= lr m
public struct Optimizer: Sendable {
    /// Raw values are the names `mpo fit --optimizer` takes and model files record.
    public enum Kind: String, CaseIterable, Sendable {
        case sgd, adam
    }

    public var kind: Kind
    public var learningRate: Float
    /// Adam's settings.
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    /// SGD's momentum mu.
    public var momentum: Float = 0.9
    /// Adam: the first and second moments, [P] each; SGD: the momentum buffer in `m` [P], `v` empty.
    public var m: [Float]
    public var v: [Float]
    /// Steps taken.
    public var step = 0

    /// Zero state for `count` parameters.
    public init(_ kind: Kind = .adam, count: Int, learningRate: Float, momentum: Float = 0.9) {
        self.kind = kind
        self.learningRate = learningRate
        self.momentum = momentum
        m = .init(repeating: 0, count: count)
        v = kind == .adam ? .init(repeating: 0, count: count) : []
    }

    /// True when no moment holds NaN or infinity.
    public var isFinite: Bool { m.allSatisfy(\.isFinite) && v.allSatisfy(\.isFinite) }

    public mutating func update(_ parameters: inout [Float], gradient: [Float]) {
        precondition(parameters.count == m.count && gradient.count == m.count)
        step += 1
        switch kind {
        case .adam: adam(&parameters, gradient)
        case .sgd: sgd(&parameters, gradient)
        }
    }

    private mutating func adam(_ parameters: inout [Float], _ gradient: [Float]) {
        let t = Double(step)
        let stepSize = Float(Double(learningRate) / (1 - pow(Double(beta1), t)))
        let root2 = Float((1 - pow(Double(beta2), t)).squareRoot())
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        // 1 - b in double first: Float(1 - 0.999) is 1.3e-5 off PyTorch's 0.001.
        let (c1, c2) = (Float(1 - Double(beta1)), Float(1 - Double(beta2)))
        m.withUnsafeMutableBufferPointer { m in
            v.withUnsafeMutableBufferPointer { v in
                parameters.withUnsafeMutableBufferPointer { p in
                    gradient.withUnsafeBufferPointer { g in
                        for i in 0..<p.count {
                            let gi = g[i]
                            m[i] = b1 * m[i] + c1 * gi
                            v[i] = b2 * v[i] + c2 * gi * gi
                            p[i] -= stepSize * m[i] / (v[i].squareRoot() / root2 + eps)
                        }
                    }
                }
            }
        }
    }

    private mutating func sgd(_ parameters: inout [Float], _ gradient: [Float]) {
        let (mu, lr) = (momentum, learningRate)
        m.withUnsafeMutableBufferPointer { m in
            parameters.withUnsafeMutableBufferPointer { p in
                gradient.withUnsafeBufferPointer { g in
                    for i in 0..<p.count {
                        m[i] = mu * m[i] + g[i]
                        p[i] -= lr * m[i]
                    }
                }
            }
        }
    }
}

/// The plane trainers' name for the optimiser: `Adam(count:learningRate:)` makes one of kind
/// `.adam`, as planes are always trained.
public typealias Adam = Optimizer
