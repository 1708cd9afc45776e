import Foundation

/// Plain Double implementations of the layers' forward passes, written from PyTorch's definitions,
/// to check the engine's values (the gradient checks only check backward against forward).
/// Conv-stack tensors are [C, N, H, W]; dense ones [N, features].
enum Reference {
    /// 3x3 conv, padding 1: weight [F, C, 3, 3], bias [F].
    static func conv(_ x: [Float], c: Int, n: Int, h: Int, w: Int, f: Int, weight: [Float], bias: [Float], relu: Bool) -> [Double] {
        var y = [Double](repeating: 0, count: f * n * h * w)
        for o in 0..<f {
            for b in 0..<n {
                for i in 0..<h {
                    for j in 0..<w {
                        var s = Double(bias[o])
                        for ci in 0..<c {
                            for ky in 0..<3 {
                                for kx in 0..<3 {
                                    let yy = i + ky - 1, xx = j + kx - 1
                                    guard yy >= 0, yy < h, xx >= 0, xx < w else { continue }
                                    s += Double(weight[((o * c + ci) * 3 + ky) * 3 + kx]) * Double(x[((ci * n + b) * h + yy) * w + xx])
                                }
                            }
                        }
                        y[((o * n + b) * h + i) * w + j] = relu ? max(s, 0) : s
                    }
                }
            }
        }
        return y
    }

    /// Batch statistics over N*H*W per channel, biased variance, eps 1e-5; gamma = stored + 1.
    static func batchNorm(_ x: [Float], c: Int, run: Int, storedScale: [Float], shift: [Float], relu: Bool) -> [Double] {
        var y = [Double](repeating: 0, count: x.count)
        for ch in 0..<c {
            let values = x[(ch * run)..<((ch + 1) * run)].map(Double.init)
            let mean = values.reduce(0, +) / Double(run)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(run)
            for (i, v) in values.enumerated() {
                let out = (Double(storedScale[ch]) + 1) * (v - mean) / (variance + 1e-5).squareRoot() + Double(shift[ch])
                y[ch * run + i] = relu ? max(out, 0) : out
            }
        }
        return y
    }

    /// BatchNorm with fixed statistics (PyTorch's eval mode): running mean [C] then variance [C].
    static func batchNorm(
        _ x: [Float], c: Int, run: Int, storedScale: [Float], shift: [Float], running: [Float], relu: Bool
    ) -> [Double] {
        var y = [Double](repeating: 0, count: x.count)
        for ch in 0..<c {
            for i in 0..<run {
                let out = (Double(storedScale[ch]) + 1) * (Double(x[ch * run + i]) - Double(running[ch])) / (Double(running[c + ch]) + 1e-5).squareRoot()
                    + Double(shift[ch])
                y[ch * run + i] = relu ? max(out, 0) : out
            }
        }
        return y
    }

    /// 2x2 max-pool, stride 2, floor.
    static func maxPool(_ x: [Float], planes: Int, h: Int, w: Int) -> [Double] {
        let oh = h / 2, ow = w / 2
        var y: [Double] = []
        for p in 0..<planes {
            for i in 0..<oh {
                for j in 0..<ow {
                    let window = [(0, 0), (0, 1), (1, 0), (1, 1)].map { x[p * h * w + (2 * i + $0.0) * w + 2 * j + $0.1] }
                    y.append(Double(window.max()!))
                }
            }
        }
        return y
    }

    /// The index (0..3, scan order) of each 2x2 window's maximum: the max-pool's kink pattern.
    /// Windows whose two largest values agree to float32 rounding are -1, "tied": equal units
    /// (a black image ground gives many) differ only by the GEMM's rounding, which flips their
    /// order at random, and which of them wins changes neither value nor gradient.
    static func maxPoolWinners(_ x: [Float], planes: Int, h: Int, w: Int) -> [Int] {
        var winners: [Int] = []
        for p in 0..<planes {
            for i in 0..<(h / 2) {
                for j in 0..<(w / 2) {
                    let window = [(0, 0), (0, 1), (1, 0), (1, 1)].map { x[p * h * w + (2 * i + $0.0) * w + 2 * j + $0.1] }
                    let sorted = window.sorted(by: >)
                    let tied = sorted[0] - sorted[1] <= 1e-5 * max(abs(sorted[0]), abs(sorted[1]))
                    winners.append(tied ? -1 : window.firstIndex(of: sorted[0])!)
                }
            }
        }
        return winners
    }

    /// torch.nn.AdaptiveAvgPool2d(k): window i covers [floor(i n / k), ceil((i + 1) n / k)).
    static func adaptiveAvgPool(_ x: [Float], planes: Int, h: Int, w: Int, k: Int) -> [Double] {
        func window(_ i: Int, _ size: Int) -> Range<Int> {
            Int((Double(i * size) / Double(k)).rounded(.down))..<Int((Double((i + 1) * size) / Double(k)).rounded(.up))
        }
        var y: [Double] = []
        for p in 0..<planes {
            for i in 0..<k {
                for j in 0..<k {
                    let rows = window(i, h), cols = window(j, w)
                    var s = 0.0
                    for a in rows { for b in cols { s += Double(x[p * h * w + a * w + b]) } }
                    y.append(s / Double(rows.count * cols.count))
                }
            }
        }
        return y
    }

    /// y = x W^T + b: x [N, in], weight [out, in].
    static func linear(_ x: [Float], n: Int, inputs: Int, outputs: Int, weight: [Float], bias: [Float], relu: Bool) -> [Double] {
        var y: [Double] = []
        for b in 0..<n {
            for o in 0..<outputs {
                var s = Double(bias[o])
                for i in 0..<inputs { s += Double(weight[o * inputs + i]) * Double(x[b * inputs + i]) }
                y.append(relu ? max(s, 0) : s)
            }
        }
        return y
    }

    /// Per-image softmax cross-entropy -log(softmax(l)[y]).
    static func crossEntropy(_ logits: [Float], labels: [Int32], classes: Int) -> [Double] {
        labels.indices.map { i in
            let l = logits[(i * classes)..<((i + 1) * classes)].map(Double.init)
            let m = l.max()!
            let logSum = Foundation.log(l.reduce(0) { $0 + Foundation.exp($1 - m) }) + m
            return logSum - l[Int(labels[i])]
        }
    }
}
