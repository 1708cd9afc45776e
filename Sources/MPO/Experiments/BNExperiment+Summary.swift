import Foundation

extension BNExperiment {
    /// Mean and spread of a set of runs' values.
    public struct Stat: Hashable, Sendable {
        public var count: Int
        public var mean: Double
        /// Sample standard deviation (n - 1 in the denominator, as numpy's std(ddof=1)); 0 for one run.
        public var std: Double

        /// Over the finite values (a diverged run's NaN does not poison the mean).
        public init(_ values: [Double]) {
            let v = values.filter(\.isFinite)
            count = v.count
            mean = v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count)
            let m = mean
            std = v.count < 2 ? 0 : (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot()
        }

        /// "0.412 ± 0.031" (or "-" without runs).
        public var text: String { count == 0 ? "-" : String(format: "%.3f ± %.3f", mean, std) }
    }

    /// The table of Figure 4: per p and variant, the gap and the black-cell accuracy over seeds.
    public struct Summary: Sendable {
        public struct Row: Sendable {
            public var p: Double
            public var variant: Variant
            public var gap: Stat
            public var blackAccuracy: Stat
            public var whiteAccuracy: Stat
        }

        public let settings: Settings
        public let records: [Record]
        /// Probability-major, plain before BN; only (p, variant) pairs with at least one run.
        public let rows: [Row]

        public init(settings: Settings, records: [Record]) {
            self.settings = settings
            self.records = records
            var rows: [Row] = []
            for p in settings.probabilities {
                for variant in Variant.allCases {
                    let r = records.filter { pKey($0.run.p) == pKey(p) && $0.run.variant == variant }
                    guard !r.isEmpty else { continue }
                    rows.append(Row(p: p, variant: variant, gap: Stat(r.map(\.gap)), blackAccuracy: Stat(r.map(\.blackAccuracy)),
                                    whiteAccuracy: Stat(r.map(\.whiteAccuracy))))
                }
            }
            self.rows = rows
        }

        public func row(p: Double, variant: Variant) -> Row? {
            rows.first { pKey($0.p) == pKey(p) && $0.variant == variant }
        }

        /// Probabilities at which both variants have runs.
        var pairedProbabilities: [Double] {
            settings.probabilities.filter { row(p: $0, variant: .plain) != nil && row(p: $0, variant: .bn) != nil }
        }

        /// Plain-minus-BN differences of the per-p means: how often and by how much BN's gap is smaller
        /// and its black-cell accuracy higher (the paper's two claims).
        public var verdict: String {
            let ps = pairedProbabilities
            guard !ps.isEmpty else { return "No probability has runs of both variants yet." }
            let gapPlain = ps.map { row(p: $0, variant: .plain)!.gap.mean }, gapBN = ps.map { row(p: $0, variant: .bn)!.gap.mean }
            let accPlain = ps.map { row(p: $0, variant: .plain)!.blackAccuracy.mean }
            let accBN = ps.map { row(p: $0, variant: .bn)!.blackAccuracy.mean }
            let smaller = zip(gapBN, gapPlain).filter { $0 < $1 }.count, higher = zip(accBN, accPlain).filter { $0 > $1 }.count
            func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }
            return String(
                format: "Over %d probabilities: BN's gap is smaller than plain's at %d (mean gap plain %.3f, BN %.3f); "
                    + "BN's black-cell accuracy is higher at %d (mean plain %.3f, BN %.3f).",
                ps.count, smaller, mean(gapPlain), mean(gapBN), higher, mean(accPlain), mean(accBN))
        }

        /// The table as Markdown (readable as plain text too): one row per p, both variants side by side.
        public var markdown: String {
            var lines = [
                "# BatchNorm experiment (paper §4.2, Figure 4)", "",
                settings.summary + ".", "",
                "Gap = mean test accuracy on trained black cells minus on trained white cells; "
                    + "black acc = mean test accuracy on trained black cells. Mean ± sample std over seeds (n runs).", "",
                "| p | gap plain | gap BN | black acc plain | black acc BN | n plain | n BN |",
                "|---:|---:|---:|---:|---:|---:|---:|",
            ]
            for p in settings.probabilities {
                let a = row(p: p, variant: .plain), b = row(p: p, variant: .bn)
                guard a != nil || b != nil else { continue }
                lines.append("| \(format(p)) | \(a?.gap.text ?? "-") | \(b?.gap.text ?? "-") | \(a?.blackAccuracy.text ?? "-") | "
                    + "\(b?.blackAccuracy.text ?? "-") | \(a?.gap.count ?? 0) | \(b?.gap.count ?? 0) |")
            }
            let diverged = records.filter { $0.divergedAt > 0 }
            lines += ["", verdict]
            if !diverged.isEmpty {
                lines.append("Diverged (stopped early, scored where they stopped): " + diverged.map(\.run.description).joined(separator: ", ") + ".")
            }
            let seconds = records.map(\.seconds).reduce(0, +)
            lines.append(String(format: "%d of %d runs finished; %.1f min of training and scoring.", records.count,
                                settings.runs.count, seconds / 60))
            return lines.joined(separator: "\n") + "\n"
        }

        /// Figure 4's two panels: the gap and the black-cell accuracy against p, one series per
        /// variant, mean ± std bars.
        public func figure() -> Plot {
            func series(_ variant: Variant, _ value: (Row) -> Stat) -> Plot.Series {
                let points = rows.filter { $0.variant == variant }.map { Plot.Point(x: $0.p, y: value($0).mean, error: value($0).std) }
                return Plot.Series(name: variant == .plain ? "without BN" : "with BN", points: points)
            }
            let ticks = settings.probabilities
            let gap = Plot.Panel(
                title: "(A) PATTERN FIT", xLabel: "FILL PROBABILITY P", yLabel: "ACC BLACK - ACC WHITE",
                series: [series(.plain, \.gap), series(.bn, \.gap)], xTicks: ticks)
            let accuracy = Plot.Panel(
                title: "(B) ACCURACY", xLabel: "FILL PROBABILITY P", yLabel: "TEST ACC ON BLACK CELLS",
                series: [series(.plain, \.blackAccuracy), series(.bn, \.blackAccuracy)], xTicks: ticks)
            let n = settings.seeds.count
            return Plot(
                panels: [gap, accuracy],
                title: "BN EXPERIMENT: \(settings.maskSize)X\(settings.maskSize) MASKS, \(settings.steps) STEPS, MEAN +- STD OVER \(n) SEED\(n == 1 ? "" : "S")")
        }
    }
}
