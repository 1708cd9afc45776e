import Engine
import Foundation

extension BNExperiment {
    /// Runs the grid in an output folder and keeps it resumable:
    ///
    ///     settings.json   the per-run settings (and the latest grid); a rerun with other per-run
    ///                     settings is refused
    ///     runs.csv        one line per finished (p, variant, seed), appended and flushed as each
    ///                     run ends; a rerun skips the runs listed here
    ///     table.md        the summary table (`Summary`), rewritten after every run
    ///     figure.png      the Figure 4 look-alike (`figure`), rewritten after every run
    public final class Runner {
        public let settings: Settings
        public let folder: String
        /// Every finished run in the folder, including runs outside the current grid.
        public private(set) var records: [Record]
        /// Lines of runs.csv that were not complete records (an interrupted write) and were dropped.
        public let droppedLines: Int

        public var settingsPath: String { folder + "/settings.json" }
        public var csvPath: String { folder + "/runs.csv" }
        public var tablePath: String { folder + "/table.md" }
        public var figurePath: String { folder + "/figure.png" }

        public struct Mismatch: Error, CustomStringConvertible {
            public let folder: String
            public let differences: [String]
            public var description: String {
                "\(folder) holds runs made with other settings (here vs there):\n  "
                    + differences.joined(separator: "\n  ")
                    + "\nUse another --output folder, or rerun with the settings in \(folder)/settings.json."
            }
        }

        /// Opens (creating if needed) the folder; refuses one whose runs were made with other
        /// per-run settings.
        public init(settings: Settings, folder: String) throws {
            self.settings = settings
            self.folder = folder
            let fm = FileManager.default
            try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let settingsPath = folder + "/settings.json", csvPath = folder + "/runs.csv"
            if fm.fileExists(atPath: settingsPath) {
                let data = try Data(contentsOf: URL(fileURLWithPath: settingsPath))
                let stored: Settings
                do {
                    stored = try JSONDecoder().decode(Settings.self, from: data)
                } catch {
                    throw DataError(settingsPath, "not the settings of a BN experiment (\(error)); use another --output folder")
                }
                let differences = settings.conflicts(with: stored)
                guard differences.isEmpty else { throw Mismatch(folder: folder, differences: differences) }
            } else if fm.fileExists(atPath: csvPath) {
                throw DataError(csvPath, "runs without a settings.json beside them: cannot tell how they were made; use another --output folder")
            }
            let text = fm.fileExists(atPath: csvPath) ? try String(contentsOfFile: csvPath, encoding: .utf8) : ""
            (records, droppedLines) = Record.parse(csv: text)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(Array(try encoder.encode(settings)) + [10], to: settingsPath)
            // Rewrite the CSV when it is new or had a broken line, so appends start on a clean line.
            if text.isEmpty || droppedLines > 0 || !text.hasSuffix("\n") {
                let lines = [Record.csvHeader] + records.map(\.csvLine)
                try AtomicFile.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: csvPath)
            }
        }

        /// The records of the current grid, in grid order.
        public var gridRecords: [Record] {
            let byKey = Dictionary(records.map { ($0.run.key, $0) }, uniquingKeysWith: { $1 })
            return settings.runs.compactMap { byKey[$0.key] }
        }

        /// Runs of the grid not yet in runs.csv, in grid order.
        public var pending: [Run] {
            let done = Set(records.map(\.run.key))
            return settings.runs.filter { !done.contains($0.key) }
        }

        /// What `run` reports after each finished run.
        public struct Progress: Sendable {
            public var record: Record
            /// Runs of the grid finished so far (this one included) and in all.
            public var done: Int, total: Int
            /// Seconds since `run` started, and the estimate for the runs still to do.
            public var elapsed: Double, remaining: Double
        }

        /// Trains and scores every pending run, appending each result to runs.csv as it finishes
        /// and refreshing table.md and figure.png. `perform` does one run (tests may wrap it).
        public func run(
            train: Dataset, test: Dataset, workers: Int = CPU.cores,
            perform: ((Run, Settings, Dataset, Evaluator, Int) throws -> Record)? = nil,
            progress: (Progress) -> Void = { _ in }
        ) throws {
            let perform = perform ?? BNExperiment.perform
            let test = test.prefix(settings.evalImages)
            var evaluators: [Variant: Evaluator] = [:]
            let total = settings.runs.count
            var done = total - pending.count
            var spent: [Variant: [Double]] = [:]
            let start = Date()
            for run in pending {
                if evaluators[run.variant] == nil {
                    let config = settings.config(run.variant, seed: run.seed)
                    evaluators[run.variant] = try Evaluator(net: config.net, data: test, workers: workers, compute: config.compute)
                }
                let record = try perform(run, settings, train, evaluators[run.variant]!, workers)
                try append(record)
                done += 1
                spent[run.variant, default: []].append(record.seconds)
                try writeReport()
                progress(Progress(record: record, done: done, total: total, elapsed: Date().timeIntervalSince(start),
                                  remaining: estimate(spent)))
            }
            try writeReport()
        }

        /// Seconds for the pending runs: each at the mean time of its variant so far (the BN net
        /// costs more per step), or of any run when its variant has none yet.
        func estimate(_ spent: [Variant: [Double]]) -> Double {
            let all = spent.values.flatMap { $0 }
            guard !all.isEmpty else { return .nan }
            let overall = all.reduce(0, +) / Double(all.count)
            return pending.reduce(0) { sum, run in
                let v = spent[run.variant] ?? []
                return sum + (v.isEmpty ? overall : v.reduce(0, +) / Double(v.count))
            }
        }

        /// One line appended and flushed to disk, so an interruption loses at most the run in flight.
        func append(_ record: Record) throws {
            guard let handle = FileHandle(forWritingAtPath: csvPath) else {
                throw DataError(csvPath, "cannot open for appending")
            }
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((record.csvLine + "\n").utf8))
            try handle.synchronize()
            records.append(record)
        }

        /// The summary of the current grid's finished runs.
        public var summary: Summary { Summary(settings: settings, records: gridRecords) }

        /// table.md and figure.png from the runs finished so far.
        public func writeReport() throws {
            let summary = self.summary
            try AtomicFile.write(Array(summary.markdown.utf8), to: tablePath)
            try PNG.write(summary.figure().render(), to: figurePath)
        }
    }

    /// One run: the mask, `settings.steps` MPO steps, then the score on the test subset. A run
    /// that diverges stops there and is scored at its last finite state (`divergedAt` says so).
    public static func perform(_ run: Run, settings: Settings, train: Dataset, evaluator: Evaluator, workers: Int) throws -> Record {
        let start = Date()
        let config = settings.config(run.variant, seed: run.seed)
        let mask = run.mask(size: settings.maskSize)
        let loop = TrainingLoop(trainer: try Trainer(config: config, pattern: mask, train: train, workers: workers))
        let divergedAt = loop.train(until: settings.steps)?.step ?? 0
        let trainer = loop.trainer
        let score = evaluator.score(plane: trainer.plane, pattern: mask)
        let (good, bad) = mask.trainedCells
        return Record(
            run: run, steps: trainer.step, gap: score.gap, blackAccuracy: score.goodAccuracy,
            whiteAccuracy: score.badAccuracy, blackLoss: score.goodLoss, whiteLoss: score.badLoss,
            blackCells: good.count, whiteCells: bad.count, divergedAt: divergedAt,
            seconds: Date().timeIntervalSince(start))
    }
}
