import XCTest
@testable import MPO

/// The live sizing decisions from synthetic measurements (no timing), and the grids it uses.
final class LivePlanTests: XCTestCase {
    /// Heart (20x17, 66 + 74 trained cells) in a 120x40 terminal: 32 + 32 cells per step, 340
    /// samples over the pattern, 675 over the view, 100 images per sample at most.
    let heart = LivePlan.Work(cellsPerStep: 64, batchSize: 64, patternSamples: 340, viewSamples: 675, evalImages: 100)

    /// Two AVX2 cores as measured here: ~16k training and ~45k evaluation cell-images/s.
    let avx2 = LivePlan.Measurement(trainSecondsPerCellImage: 1 / 16_000, stepOverheadSeconds: 0.01, evalSecondsPerSampleImage: 1 / 45_000)
    /// About 2.5x faster (AVX-512).
    let avx512 = LivePlan.Measurement(trainSecondsPerCellImage: 1 / 40_000, stepOverheadSeconds: 0.005, evalSecondsPerSampleImage: 1 / 110_000)

    func testTwoAVX2CoresGetSmallerStepsThatStillMeetTheGoals() {
        let plan = LivePlan.choose(heart, measured: avx2)
        XCTAssertLessThan(plan.batchSize, 64, "64 images per step cannot give 4 steps/s here")
        XCTAssertGreaterThanOrEqual(plan.batchSize, 24)
        XCTAssertGreaterThanOrEqual(plan.stepsPerSecond, 4)
        XCTAssertLessThanOrEqual(plan.mapSeconds, 2)
        XCTAssertEqual(plan.mapSamples, 340, "the map stays on the pattern's cells while training")
        XCTAssertFalse(plan.mapCoversView)
        XCTAssertGreaterThanOrEqual(plan.mapImages, 32)
        XCTAssertLessThan(plan.mapImages, 100, "fewer images per map sample while training")
        XCTAssertTrue((0.1...0.75).contains(plan.mapShare))
    }

    func testAFastMachineKeepsThePresetBatchAndARicherMap() {
        let slow = LivePlan.choose(heart, measured: avx2)
        let fast = LivePlan.choose(heart, measured: avx512)
        XCTAssertEqual(fast.batchSize, 64)
        XCTAssertGreaterThanOrEqual(fast.stepsPerSecond, 4)
        XCTAssertLessThanOrEqual(fast.mapSeconds, 2)
        XCTAssertGreaterThanOrEqual(fast.mapSamples * fast.mapImages, slow.mapSamples * slow.mapImages)
        XCTAssertFalse(fast.mapCoversView, "time goes to steps before the map grows beyond the pattern")
        XCTAssertGreaterThan(fast.stepsPerSecond, 6)
    }

    func testAVeryFastMachineMapsTheWholeViewWithAllImages() {
        let m = LivePlan.Measurement(trainSecondsPerCellImage: 1e-6, stepOverheadSeconds: 0.001, evalSecondsPerSampleImage: 1e-7)
        let plan = LivePlan.choose(heart, measured: m)
        XCTAssertEqual(plan.batchSize, 64)
        XCTAssertTrue(plan.mapCoversView)
        XCTAssertEqual(plan.mapSamples, 675)
        XCTAssertEqual(plan.mapImages, 100)
        XCTAssertEqual(plan.mapShare, 0.1, accuracy: 1e-9, "the map needs little: the least share, training takes the rest")
    }

    func testAnOverloadedMachineGetsTheLeastWorkAndSharesTheShortfall() {
        let m = LivePlan.Measurement(trainSecondsPerCellImage: 1 / 2_000, stepOverheadSeconds: 0.05, evalSecondsPerSampleImage: 1 / 6_000)
        let plan = LivePlan.choose(heart, measured: m)
        XCTAssertEqual(plan.batchSize, 24)
        XCTAssertEqual(plan.mapImages, 32)
        XCTAssertEqual(plan.mapSamples, 340)
        XCTAssertLessThan(plan.stepsPerSecond, 4)
        XCTAssertGreaterThan(plan.mapSeconds, 2)
        // both goals are missed by the same factor
        XCTAssertEqual(plan.stepsPerSecond / (4 * LivePlan.Goals().margin), (2 / LivePlan.Goals().margin) / plan.mapSeconds, accuracy: 0.05)
    }

    func testAUserBatchIsKeptAndOnlyTheMapIsSized() {
        var work = heart
        work.sizesBatch = false
        work.batchSize = 128
        let plan = LivePlan.choose(work, measured: avx2)
        XCTAssertEqual(plan.batchSize, 128)
        XCTAssertEqual(plan.mapImages, 32, "the least map leaves the most for the heavy steps")
    }

    func testBatchCandidatesShrinkToTheMinimum() {
        XCTAssertEqual(LivePlan.batchCandidates(heart, LivePlan.Goals()), [64, 48, 40, 32, 24])
        var small = heart
        small.batchSize = 16
        XCTAssertEqual(LivePlan.batchCandidates(small, LivePlan.Goals()), [16], "a batch below the minimum is kept as it is")
    }

    func testStepCostFitsOverheadFromTwoBatchSizes() throws {
        // t = 64 cells x b images x 5e-5 s + 0.02 s, at b = 64 and b = 32
        let steps = [(4096, 4096 * 5e-5 + 0.02), (4096, 4096 * 5e-5 + 0.02), (2048, 2048 * 5e-5 + 0.02)]
        let fit = try XCTUnwrap(LivePlan.trainCost(steps.map { (cellImages: $0.0, seconds: $0.1) }))
        XCTAssertEqual(fit.tau, 5e-5, accuracy: 1e-9)
        XCTAssertEqual(fit.sigma, 0.02, accuracy: 1e-6)
        // one size only: the overhead is a guessed fraction of the step
        let one = try XCTUnwrap(LivePlan.trainCost([(cellImages: 1000, seconds: 0.1)], overheadGuess: 0.1))
        XCTAssertEqual(one.sigma, 0.01, accuracy: 1e-12)
        XCTAssertEqual(one.tau, 0.09 / 1000, accuracy: 1e-12)
        XCTAssertNil(LivePlan.trainCost([]))
    }

    func testPlanIsRecordedAsJSON() throws {
        let plan = LivePlan.choose(heart, measured: avx2)
        let back = try JSONDecoder().decode(LivePlan.self, from: Data(plan.json.utf8))
        XCTAssertEqual(back, plan)
    }
}

/// The grids of live and paused maps.
final class LiveGridTests: XCTestCase {
    let heart = Pattern(width: 17, height: 20, bits: [UInt8](repeating: 0, count: 340), name: "h")

    /// The explorer's home view of the heart in a 120x40 terminal: 25x27 samples, one per cell.
    var home: Viewport { Viewport(centerRow: 10, centerCol: 8, zoom: 1, rows: 25, cols: 27) }

    func testLiveGridIsThePatternsCellsWhenTheViewIsTooMany() throws {
        let all = home.liveGrid(pattern: heart, maxSamples: .max)
        XCTAssertEqual(all.count, home.count, "room for all: the view at one sample per cell")
        let grid = home.liveGrid(pattern: heart, maxSamples: 340)
        XCTAssertEqual(grid, Viewport(pattern: heart))
        let cells = try XCTUnwrap(grid.samples(atCellsOf: heart), "every cell centre is a sample: the map gives the gap")
        XCTAssertEqual(cells, Array(0..<340))
        XCTAssertNotNil(all.samples(atCellsOf: heart))
    }

    func testTooManyCellsGoCoarser() {
        let grid = home.liveGrid(pattern: heart, maxSamples: 100)
        XCTAssertLessThanOrEqual(grid.count, 100)
        XCTAssertGreaterThan(grid.zoom, 1)
        XCTAssertNil(grid.samples(atCellsOf: heart))
    }

    func testZoomedOutViewsKeepTheirGridDecimated() {
        let out = Viewport(centerRow: 10, centerCol: 8, zoom: 4, rows: 40, cols: 40)
        XCTAssertEqual(out.liveGrid(pattern: heart, maxSamples: 2000), out)
        let d = out.liveGrid(pattern: heart, maxSamples: 400)
        XCTAssertEqual(d.rows, 20)
        XCTAssertEqual(d.zoom, 8)
    }

    func testRefinedSamplesAreCentredOnTheirSample() {
        let v = Viewport(centerRow: 3, centerCol: 4, zoom: 1, rows: 5, cols: 6)
        let r = v.refined(by: 3)
        XCTAssertEqual(r.count, v.count * 9)
        // the middle one of each 3x3 block sits on the coarse sample
        for (i, j) in [(0, 0), (2, 3), (4, 5)] {
            let a = v.position(row: i, col: j), b = r.position(row: 3 * i + 1, col: 3 * j + 1)
            XCTAssertEqual(a.row, b.row, accuracy: 1e-12)
            XCTAssertEqual(a.col, b.col, accuracy: 1e-12)
        }
        XCTAssertEqual(v.refined(by: 1), v)
    }
}
