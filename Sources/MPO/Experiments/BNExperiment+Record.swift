import Foundation

extension BNExperiment {
    /// What one finished run measured: one line of `runs.csv`.
    public struct Record: Hashable, Sendable {
        public var run: Run
        public var steps: Int
        /// Mean test accuracy on trained black cells minus on trained white cells.
        public var gap: Double
        public var blackAccuracy: Double, whiteAccuracy: Double
        public var blackLoss: Double, whiteLoss: Double
        /// Trained (edge) cells of the mask, by colour.
        public var blackCells: Int, whiteCells: Int
        /// The step whose objective was not finite (training stopped there); 0: none.
        public var divergedAt: Int
        /// Wall-clock seconds of training plus scoring.
        public var seconds: Double

        public init(
            run: Run, steps: Int, gap: Double, blackAccuracy: Double, whiteAccuracy: Double, blackLoss: Double,
            whiteLoss: Double, blackCells: Int, whiteCells: Int, divergedAt: Int = 0, seconds: Double
        ) {
            self.run = run
            self.steps = steps
            self.gap = gap
            self.blackAccuracy = blackAccuracy
            self.whiteAccuracy = whiteAccuracy
            self.blackLoss = blackLoss
            self.whiteLoss = whiteLoss
            self.blackCells = blackCells
            self.whiteCells = whiteCells
            self.divergedAt = divergedAt
            self.seconds = seconds
        }

        public static let csvHeader =
            "p,variant,seed,steps,gap,black_accuracy,white_accuracy,black_loss,white_loss,black_cells,white_cells,diverged_at,seconds"

        public var csvLine: String {
            func f(_ x: Double) -> String { x.isFinite ? String(format: "%.6f", x) : "nan" }
            return [
                BNExperiment.format(run.p), run.variant.rawValue, String(run.seed), String(steps), f(gap),
                f(blackAccuracy), f(whiteAccuracy), f(blackLoss), f(whiteLoss), String(blackCells), String(whiteCells),
                String(divergedAt), String(format: "%.2f", seconds),
            ].joined(separator: ",")
        }

        /// nil for a line that is not a complete record (e.g. cut short by an interruption).
        public init?(csvLine line: Substring) {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 13, let p = Double(f[0]), let variant = Variant(rawValue: f[1]), let seed = UInt64(f[2]),
                  let steps = Int(f[3]), let blackCells = Int(f[9]), let whiteCells = Int(f[10]),
                  let divergedAt = Int(f[11]), let seconds = Double(f[12])
            else { return nil }
            let v = f[4...8].map { Double($0) }
            guard v.allSatisfy({ $0 != nil }) else { return nil }
            self.init(
                run: Run(p: p, variant: variant, seed: seed), steps: steps, gap: v[0]!, blackAccuracy: v[1]!,
                whiteAccuracy: v[2]!, blackLoss: v[3]!, whiteLoss: v[4]!, blackCells: blackCells,
                whiteCells: whiteCells, divergedAt: divergedAt, seconds: seconds)
        }

        /// The records of a CSV file's text, and whether any line was left out as incomplete.
        /// A later record of the same run replaces an earlier one.
        static func parse(csv text: String) -> (records: [Record], dropped: Int) {
            var records: [Record] = [], index: [Run.Key: Int] = [:], dropped = 0
            for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                if line == Record.csvHeader[...] { continue }
                guard let r = Record(csvLine: line) else {
                    dropped += 1
                    continue
                }
                if let i = index[r.run.key] {
                    records[i] = r
                } else {
                    index[r.run.key] = records.count
                    records.append(r)
                }
            }
            return (records, dropped)
        }
    }
}
