import Engine
import Foundation
import TestSupport
import XCTest
@testable import MPO

/// `mpo experiment bn`: the grid, its CSV, resuming, refusing mixed settings, the table's
/// aggregates and the figure — on a tiny setting (2 probabilities x 2 variants x 1 seed, a few
/// steps of the tiny net on a 6x6 mask).
final class BNExperimentTests: XCTestCase {
    static let data: (train: Dataset, test: Dataset) = {
        let train = try! DatasetKind.fashionMNIST.load(.train).prefix(2_000)
        let test = try! DatasetKind.fashionMNIST.load(.test).prefix(100)
        return (train, test)
    }()

    static let tiny = BNExperiment.Settings(
        net: .tiny, maskSize: 6, steps: 3, batchSize: 16, cells: 4, learningRate: 3e-3, evalImages: 40,
        probabilities: [0.3, 0.7], seeds: [1])

    var folder: String!

    override func setUpWithError() throws {
        folder = try temporaryFolder(name).file("experiment")  // not there yet: the runner makes it
    }

    func csvLines() throws -> [String] {
        try String(contentsOfFile: folder + "/runs.csv", encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// Runs `runner`'s pending runs with the real trainer, counting them; stops (as an
    /// interruption would) after `limit` runs.
    struct Interrupted: Error {}
    @discardableResult
    func run(_ runner: BNExperiment.Runner, limit: Int = .max) throws -> Int {
        var count = 0
        do {
            try runner.run(train: Self.data.train, test: Self.data.test, workers: 2, perform: { run, settings, train, evaluator, workers in
                guard count < limit else { throw Interrupted() }
                count += 1
                return try BNExperiment.perform(run, settings: settings, train: train, evaluator: evaluator, workers: workers)
            })
        } catch is Interrupted {}
        return count
    }

    func testGridRunsEveryCellAndWritesTheCSV() throws {
        let runner = try BNExperiment.Runner(settings: Self.tiny, folder: folder)
        XCTAssertEqual(runner.pending.count, 4)
        var reported: [Int] = []
        try runner.run(train: Self.data.train, test: Self.data.test, workers: 2, progress: { reported.append($0.done) })
        XCTAssertEqual(reported, [1, 2, 3, 4])
        let lines = try csvLines()
        XCTAssertEqual(lines.first, BNExperiment.Record.csvHeader)
        XCTAssertEqual(lines.count, 5)
        let records = lines.dropFirst().compactMap { BNExperiment.Record(csvLine: $0[...]) }
        XCTAssertEqual(records.count, 4)
        XCTAssertEqual(Set(records.map(\.run)), Set(Self.tiny.runs))
        for r in records {
            XCTAssertEqual(r.steps, 3)
            XCTAssertEqual(r.gap, r.blackAccuracy - r.whiteAccuracy, accuracy: 2e-6)
            XCTAssertTrue((0...1).contains(r.blackAccuracy))
            XCTAssertGreaterThan(r.blackCells + r.whiteCells, 0)
        }
        // Both variants fit the same mask, so they train the same cells.
        for p in Self.tiny.probabilities {
            let pair = records.filter { $0.run.p == p }
            XCTAssertEqual(pair.count, 2)
            XCTAssertEqual(pair[0].blackCells, pair[1].blackCells)
            XCTAssertEqual(pair[0].whiteCells, pair[1].whiteCells)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/table.md"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/settings.json"))
    }

    func testResumeSkipsFinishedRuns() throws {
        XCTAssertEqual(try run(try BNExperiment.Runner(settings: Self.tiny, folder: folder), limit: 1), 1)
        XCTAssertEqual(try csvLines().count, 1 + 1)
        // An interruption in the middle of a write leaves half a line: dropped on resume.
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: folder + "/runs.csv"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("0.7,bn,1,3,0.1".utf8))
        try handle.close()

        let resumed = try BNExperiment.Runner(settings: Self.tiny, folder: folder)
        XCTAssertEqual(resumed.droppedLines, 1)
        XCTAssertEqual(resumed.pending.count, 3)
        XCTAssertEqual(try run(resumed), 3)
        let lines = try csvLines()
        XCTAssertEqual(lines.count, 1 + 4)
        XCTAssertEqual(Set(lines.dropFirst().compactMap { BNExperiment.Record(csvLine: $0[...])?.run }), Set(Self.tiny.runs))

        let again = try BNExperiment.Runner(settings: Self.tiny, folder: folder)
        XCTAssertEqual(again.pending.count, 0)
        XCTAssertEqual(try run(again), 0)
        XCTAssertEqual(try csvLines().count, 1 + 4)

        // A larger grid in the same folder runs only what is new.
        var more = Self.tiny
        more.seeds = [1, 2]
        let grown = try BNExperiment.Runner(settings: more, folder: folder)
        XCTAssertEqual(Set(grown.pending.map(\.seed)), [2])
        XCTAssertEqual(grown.pending.count, 4)
    }

    func testMismatchedSettingsAreRefused() throws {
        XCTAssertEqual(try run(try BNExperiment.Runner(settings: Self.tiny, folder: folder), limit: 1), 1)
        var other = Self.tiny
        other.steps = 5
        other.learningRate = 1e-3
        XCTAssertThrowsError(try BNExperiment.Runner(settings: other, folder: folder)) { error in
            let mismatch = error as? BNExperiment.Runner.Mismatch
            XCTAssertNotNil(mismatch)
            XCTAssertEqual(mismatch?.differences.count, 2)
            let text = "\(error)"
            XCTAssertTrue(text.contains("steps: 5 vs 3"), text)
            XCTAssertTrue(text.contains("learning rate"), text)
        }
        var otherNet = Self.tiny
        otherNet.net = .small
        XCTAssertThrowsError(try BNExperiment.Runner(settings: otherNet, folder: folder))
        // Nothing was touched by the refusals.
        XCTAssertEqual(try csvLines().count, 1 + 1)
        XCTAssertEqual(try BNExperiment.Runner(settings: Self.tiny, folder: folder).pending.count, 3)
    }

    func testRunsWithoutSettingsAreRefused() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data((BNExperiment.Record.csvHeader + "\n").utf8).write(to: URL(fileURLWithPath: folder + "/runs.csv"))
        XCTAssertThrowsError(try BNExperiment.Runner(settings: Self.tiny, folder: folder))
    }

    /// Table values against mean and sample std computed here, by hand.
    func testSummaryAggregates() throws {
        var settings = Self.tiny
        settings.seeds = [1, 2, 3]
        let gaps: [BNExperiment.Variant: [Double]] = [.plain: [0.2, 0.4, 0.9], .bn: [0.1, 0.1, 0.4]]
        let black: [BNExperiment.Variant: [Double]] = [.plain: [0.6, 0.7, 0.8], .bn: [0.75, 0.85, 0.8]]
        var records: [BNExperiment.Record] = []
        for p in settings.probabilities {
            for variant in BNExperiment.Variant.allCases {
                for (k, seed) in settings.seeds.enumerated() {
                    let shift = p == 0.3 ? 0 : 0.05
                    let g = gaps[variant]![k] + shift, b = black[variant]![k]
                    records.append(BNExperiment.Record(
                        run: .init(p: p, variant: variant, seed: seed), steps: 3, gap: g, blackAccuracy: b,
                        whiteAccuracy: b - g, blackLoss: 1, whiteLoss: 3, blackCells: 10, whiteCells: 12, seconds: 1))
                }
            }
        }
        // A record of a probability outside the grid is not counted.
        records.append(BNExperiment.Record(
            run: .init(p: 0.5, variant: .plain, seed: 1), steps: 3, gap: 5, blackAccuracy: 5, whiteAccuracy: 0,
            blackLoss: 1, whiteLoss: 1, blackCells: 1, whiteCells: 1, seconds: 1))
        let summary = BNExperiment.Summary(settings: settings, records: records)
        XCTAssertEqual(summary.rows.count, 4)

        func meanStd(_ x: [Double]) -> (Double, Double) {
            let m = x.reduce(0, +) / Double(x.count)
            return (m, (x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(x.count - 1)).squareRoot())
        }
        for p in settings.probabilities {
            for variant in BNExperiment.Variant.allCases {
                let row = try XCTUnwrap(summary.row(p: p, variant: variant))
                let (gm, gs) = meanStd(gaps[variant]!.map { $0 + (p == 0.3 ? 0 : 0.05) })
                let (bm, bs) = meanStd(black[variant]!)
                XCTAssertEqual(row.gap.count, 3)
                XCTAssertEqual(row.gap.mean, gm, accuracy: 1e-12)
                XCTAssertEqual(row.gap.std, gs, accuracy: 1e-12)
                XCTAssertEqual(row.blackAccuracy.mean, bm, accuracy: 1e-12)
                XCTAssertEqual(row.blackAccuracy.std, bs, accuracy: 1e-12)
            }
        }
        // plain at p 0.3: gaps 0.2, 0.4, 0.9 -> mean 0.5, std sqrt(0.13) = 0.361
        XCTAssertTrue(summary.markdown.contains("| 0.3 | 0.500 ± 0.361 | 0.200 ± 0.173 | 0.700 ± 0.100 | 0.800 ± 0.050 | 3 | 3 |"),
                      summary.markdown)
        XCTAssertTrue(summary.verdict.contains("smaller than plain's at 2"), summary.verdict)
        XCTAssertEqual(BNExperiment.Stat([0.4]).std, 0)
        XCTAssertEqual(BNExperiment.Stat([0.4, .nan]).count, 1)
    }

    func testFigureDecodesWithItsSize() throws {
        let runner = try BNExperiment.Runner(settings: Self.tiny, folder: folder)
        try run(runner)
        let figure = runner.summary.figure()
        XCTAssertEqual(figure.panels.count, 2)
        XCTAssertEqual(figure.panels.map { $0.series.count }, [2, 2])
        let image = try PNG.decode(Array(try Data(contentsOf: URL(fileURLWithPath: runner.figurePath))), path: runner.figurePath)
        XCTAssertEqual(image.width, figure.width)
        XCTAssertEqual(image.height, figure.height)
        XCTAssertEqual([image.width, image.height], [1100, 520])
        // Both series' colours are on the picture.
        for color in Plot.palette.prefix(2) {
            XCTAssertTrue(stride(from: 0, to: image.pixels.count, by: 3).contains {
                image.pixels[$0] == color.r && image.pixels[$0 + 1] == color.g && image.pixels[$0 + 2] == color.b
            })
        }
        let small = Plot(panels: figure.panels, title: "T", width: 500, height: 300).png
        let decoded = try PNG.decode(small, path: "small.png")
        XCTAssertEqual([decoded.width, decoded.height], [500, 300])
    }

    func testProbabilitiesAndNiceTicks() {
        XCTAssertEqual(BNExperiment.probabilities(from: 0.1, to: 0.9, step: 0.1), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
        XCTAssertEqual(BNExperiment.probabilities(from: 0.1, to: 0.9, step: 0.2), [0.1, 0.3, 0.5, 0.7, 0.9])
        XCTAssertEqual(BNExperiment.format(0.25), "0.25")
        XCTAssertEqual(Plot.niceTicks(0.03...0.74), [0, 0.2, 0.4, 0.6, 0.8])
        XCTAssertEqual(Plot.tickLabel(0.2, step: 0.2), "0.2")
        XCTAssertEqual(Plot.tickLabel(-0.0, step: 0.05), "0.00")
    }
}
