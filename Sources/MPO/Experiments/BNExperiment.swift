import Engine
import Foundation

/// The paper's BatchNorm experiment (§4.2, Figure 4): random binary masks (`randomlyFilledSquare`)
/// of increasing fill probability p, each fitted by MPO with the plain and the BatchNorm variant of
/// one net over several seeds; per run the test gap (mean accuracy on trained black cells minus
/// white ones, `PatternScore.gap`) and the mean accuracy on trained black cells.
///
/// The paper's finding: the BN net fits the pattern worse (smaller gap: a smoother landscape) yet
/// reaches higher accuracy on the black cells.
public enum BNExperiment {
    /// The two nets compared: the same architecture without and with BatchNorm after each conv.
    public enum Variant: String, CaseIterable, Sendable, Codable, Comparable {
        case plain, bn

        public var title: String { self == .plain ? "plain" : "BN" }

        public static func < (a: Variant, b: Variant) -> Bool { a == .plain && b == .bn }
    }

    /// Everything that decides one run's result (the per-run settings) plus the grid of runs.
    /// Runs in one output folder must share the per-run settings; the grid may grow or shrink.
    public struct Settings: Hashable, Sendable, Codable {
        /// The architecture; each variant switches its BatchNorm on or off.
        public var net: ModelSpec
        /// Side of the random square mask (the paper: 30).
        public var maskSize: Int
        /// MPO steps per run.
        public var steps: Int
        public var batchSize: Int
        /// Good and bad cells sampled per step (each).
        public var cells: Int
        public var learningRate: Float
        public var clip: Float = 2.5
        public var gradientClip: Float = 100
        public var initialScale: Float = 0.1
        public var dataset: DatasetKind = .fashionMNIST
        /// The first this-many test images score each plane (BN: one batch, see `Evaluator`).
        public var evalImages: Int
        /// The GEMM precision the runs computed in; nil in folders written before it was
        /// recorded, which were all fp32.
        public var precision: GEMM.Precision?
        // The grid.
        public var probabilities: [Double]
        public var seeds: [UInt64]

        public init(
            net: ModelSpec, maskSize: Int, steps: Int, batchSize: Int, cells: Int, learningRate: Float,
            evalImages: Int, probabilities: [Double], seeds: [UInt64]
        ) {
            self.net = net
            self.maskSize = maskSize
            self.steps = steps
            self.batchSize = batchSize
            self.cells = cells
            self.learningRate = learningRate
            self.evalImages = evalImages
            self.probabilities = probabilities
            self.seeds = seeds
        }

        /// The training configuration of one run.
        public func config(_ variant: Variant, seed: UInt64) -> TrainingConfig {
            var c = TrainingConfig(
                preset: "bn-experiment", net: net, batchSize: batchSize, cells: cells, learningRate: learningRate,
                clip: clip, gradientClip: gradientClip, initialScale: initialScale, seed: seed, dataset: dataset)
            c.net.inputShape = dataset.imageShape
            c.net.convChannels[0] = dataset.imageShape[0]
            c.compute = Compute(precision: precision ?? .fp32)
            return c.with(batchNorm: variant == .bn)
        }

        /// Every run of the grid, seed by seed (so an interrupted experiment has whole seeds done
        /// first), and within a seed p by p with both variants side by side.
        public var runs: [Run] {
            seeds.flatMap { seed in
                probabilities.flatMap { p in Variant.allCases.map { Run(p: p, variant: $0, seed: seed) } }
            }
        }

        /// Per-run settings that differ from `other`'s, as "name: ours vs theirs" (empty: runs of
        /// both can share a folder). The grid is not compared.
        public func conflicts(with other: Settings) -> [String] {
            var out: [String] = []
            func check<T: Equatable>(_ name: String, _ a: T, _ b: T, _ show: (T) -> String = { "\($0)" }) {
                if a != b { out.append("\(name): \(show(a)) vs \(show(b))") }
            }
            check("net", net.with(batchNorm: false), other.net.with(batchNorm: false)) { $0.summary }
            check("mask size", maskSize, other.maskSize)
            check("steps", steps, other.steps)
            check("batch", batchSize, other.batchSize)
            check("cells", cells, other.cells)
            check("learning rate", learningRate, other.learningRate)
            check("clip", clip, other.clip)
            check("gradient clip", gradientClip, other.gradientClip)
            check("initial scale", initialScale, other.initialScale)
            check("dataset", dataset, other.dataset) { $0.rawValue }
            check("eval images", evalImages, other.evalImages)
            check("precision", (precision ?? .fp32).rawValue, (other.precision ?? .fp32).rawValue)
            return out
        }

        /// One line for logs and the report.
        public var summary: String {
            let net = self.net.with(batchNorm: false)
            let name = BNExperiment.nets.first { $0.spec.with(batchNorm: false) == net }?.name
            return "net \(name.map { $0 + ": " } ?? "")\(net.summary); "
                + "mask \(maskSize)x\(maskSize); \(steps) steps; batch \(batchSize); \(cells)+\(cells) cells; "
                + "lr \(learningRate); clamp \(clip); \(dataset.rawValue), \(evalImages) test images; \((precision ?? .fp32).rawValue)"
        }
    }

    /// One cell of the grid.
    public struct Run: Hashable, Sendable, CustomStringConvertible {
        public var p: Double
        public var variant: Variant
        public var seed: UInt64

        public init(p: Double, variant: Variant, seed: UInt64) {
            self.p = p
            self.variant = variant
            self.seed = seed
        }

        /// p in ten-thousandths: how runs are matched (p goes through decimal text in the CSV).
        public var key: Key { Key(p: BNExperiment.pKey(p), variant: variant, seed: seed) }

        public struct Key: Hashable, Sendable {
            var p: Int
            var variant: Variant
            var seed: UInt64
        }

        public var description: String { "p \(BNExperiment.format(p)) \(variant.title) seed \(seed)" }

        /// The mask of this run. It depends on the seed and p only, so the two variants fit the same
        /// mask; with one seed the masks of growing p are nested (the same uniform draws, a higher
        /// threshold), which keeps the p-to-p comparison free of mask-to-mask noise.
        public func mask(size: Int) -> Pattern {
            Pattern.randomlyFilledSquare(size: size, probability: p, seed: seed)
        }
    }

    /// The default net: the paper's pattern net in miniature — three 3x3 convs (1-4-4-8) each
    /// followed by a 2x2 max-pool (28 -> 14 -> 7 -> 3), adaptive pool to 4x4, MLP 128-32-10;
    /// ~75 kMAC per image, 1/700 of `paperBN`. Three BN layers (when on), so BN acts at several
    /// depths as in the paper's six-conv net, at less cost per step than the two-conv `small`.
    public static let miniNet = ModelSpec(convChannels: [1, 4, 4, 8], dense: [128, 32])

    /// Nets the experiment knows by name: `mini` and the engine's presets.
    public static let nets: [(name: String, spec: ModelSpec)] = [("mini", miniNet)] + ModelSpec.presets

    public static func net(named name: String) -> ModelSpec? {
        nets.first { $0.name == name }?.spec
    }

    static func pKey(_ p: Double) -> Int { Int((p * 10_000).rounded()) }

    /// p as short decimal text: 0.1, 0.25.
    public static func format(_ p: Double) -> String {
        var s = String(format: "%.4f", p)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// from, from + step, ... up to `to` (inclusive, with a little slack for rounding), each rounded
    /// to 4 decimals.
    public static func probabilities(from: Double, to: Double, step: Double) -> [Double] {
        guard step > 0, from <= to + 1e-9 else { return [] }
        let n = Int(((to - from) / step + 1e-6).rounded(.down))
        return (0...n).map { (((from + Double($0) * step) * 10_000).rounded()) / 10_000 }
    }
}
