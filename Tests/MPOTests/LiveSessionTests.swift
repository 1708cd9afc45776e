import Engine
import Foundation
import TestSupport
import XCTest
@testable import MPO

/// The session's live sizing and map refreshes, driven like the UI drives them (deadlines, no
/// timing assertions).
final class LiveSessionTests: SessionTestCase {
    override var patience: Double { 90 }

    /// Once a grid has a complete map, every later snapshot of that grid has a value at every
    /// sample: a refresh replaces samples in place instead of starting from holes (which the
    /// explorer then filled with 4x4 blocks).
    func testARefreshOfACompleteMapNeverHasHoles() {
        // many chunks per refresh, so it is seen in progress
        let session = Session.started(in: folders, pattern: .ring(size: 12), chunkPositions: 6)
        defer { session.stop() }
        waitFor(session, "a complete map") { $0.map.completeStep != nil && $0.training.step >= 2 }
        var complete: Set<Viewport> = []
        var seenInProgress = 0, refreshesSeen = Set<Int>()
        let deadline = Date().addingTimeInterval(90)
        while seenInProgress < 20 || refreshesSeen.count < 3, Date() < deadline {
            let s = session.snapshot()
            let grid = s.map.heatmap.viewport
            if complete.contains(grid) {
                XCTAssertEqual(s.map.heatmap.evaluatedCount, grid.count, "a hole in a refresh of a complete map (progress \(s.map.progress))")
                if s.map.progress < 1 {
                    seenInProgress += 1
                    refreshesSeen.insert(s.map.completeStep ?? -1)
                }
            }
            if s.map.heatmap.evaluatedCount == grid.count { complete.insert(grid) }
            usleep(1_000)
        }
        XCTAssertGreaterThanOrEqual(seenInProgress, 20, "refreshes in progress were observed")
        XCTAssertGreaterThanOrEqual(refreshesSeen.count, 3, "several refreshes were observed")
        // samples come from the newest plane: the picture's oldest sample trails the plane by little
        let s = session.snapshot()
        XCTAssertNotNil(s.map.completeStep)
    }

    /// Paused, the map refines: more samples per sample of the view (up to the screen's pixels),
    /// then more images, each level complete before the next.
    func testPausedMapRefinesToMoreSamplesAndImages() {
        let pattern = Pattern.ring(size: 8)
        let session = Session.started(in: folders, pattern: pattern, paused: true)
        defer { session.stop() }
        session.send(.setDetail(3))
        let view = Viewport(pattern: pattern)
        var levels: [(samples: Int, images: Int)] = []
        let done = waitFor(session, "all refinement levels") { s in
            let m = s.map
            if m.heatmap.evaluatedCount == m.heatmap.viewport.count, m.images > 0,
               levels.last.map({ $0 != (m.heatmap.viewport.count, m.images) }) ?? true {
                levels.append((m.heatmap.viewport.count, m.images))
            }
            return m.refinementLevels > 0 && m.refinedLevels == m.refinementLevels
        }
        XCTAssertEqual(done.map.heatmap.viewport, view.refined(by: 3), "the last level has 3x3 samples per sample")
        XCTAssertGreaterThan(done.map.images, 64, "and more images than a live map")
        XCTAssertEqual(done.map.heatmap.evaluatedCount, 9 * view.count)
        XCTAssertGreaterThanOrEqual(levels.count, 3, "\(levels)")
        for (a, b) in zip(levels, levels.dropFirst()) {
            XCTAssertGreaterThan(b.samples * b.images, a.samples * a.images, "each level does more: \(levels)")
        }
        XCTAssertEqual(levels.first?.samples, view.count, "it starts from the view's own grid")
        XCTAssertNil(waitForNothingNew(session, after: done), "refined to the last level, the map stays as it is")
    }

    /// Returns a snapshot whose map differs from `done`'s (nil when none comes within a while).
    func waitForNothingNew(_ session: Session, after done: Session.Snapshot) -> Session.Snapshot? {
        let deadline = Date().addingTimeInterval(1.5)
        while Date() < deadline {
            let s = session.snapshot()
            if s.map.heatmap.viewport != done.map.heatmap.viewport || s.map.progress < 1 { return s }
            usleep(20_000)
        }
        return nil
    }

    /// A slow machine (a synthetic measurement) gets fewer images per step; the plane goes on
    /// where it was, and saving records what was chosen.
    func testASlowMachineShrinksTheBatchAndTheCheckpointSaysSo() throws {
        let slow = LivePlan.Measurement(trainSecondsPerCellImage: 1e-3, stepOverheadSeconds: 0.001, evalSecondsPerSampleImage: 1e-5)
        let session = Session.started(in: folders, pattern: .ring(size: 12), batch: 64, measurement: slow)
        defer { session.stop() }
        let sized = waitFor(session, "a plan") { $0.training.plan != nil && $0.training.step >= 6 }
        let plan = try XCTUnwrap(sized.training.plan)
        XCTAssertLessThan(plan.batchSize, 64)
        XCTAssertEqual(sized.training.config.batchSize, plan.batchSize)
        XCTAssertEqual(sized.training.unsavedSteps, sized.training.step, "the same plane trains on (no steps lost)")
        session.send(.setPaused(true))
        waitFor(session, "paused") { $0.status == .paused }
        session.send(.save(name: "sized"))
        let saved = waitFor(session, "the save") { $0.training.lastSavedPath != nil }
        let file = try Safetensors.read(path: saved.training.lastSavedPath!)
        XCTAssertEqual(file.metadata["batch_size"], String(plan.batchSize))
        let recorded = try JSONDecoder().decode(LivePlan.self, from: Data(try XCTUnwrap(file.metadata["live_plan"]).utf8))
        XCTAssertEqual(recorded.batchSize, plan.batchSize)
        XCTAssertEqual(recorded.mapImages, plan.mapImages)
    }

    /// A batch the user chose stays; only the map is sized.
    func testAUserBatchIsKept() throws {
        let slow = LivePlan.Measurement(trainSecondsPerCellImage: 1e-3, stepOverheadSeconds: 0.001, evalSecondsPerSampleImage: 1e-5)
        let session = Session.started(in: folders, pattern: .ring(size: 12), batch: 64, sizesBatch: false, measurement: slow)
        defer { session.stop() }
        let s = waitFor(session, "a plan") { $0.training.plan != nil && $0.training.step >= 6 }
        XCTAssertEqual(s.training.config.batchSize, 64)
        XCTAssertFalse(s.training.sizesBatch)
        XCTAssertEqual(s.training.plan?.batchSize, 64)
    }

    /// While training on the pattern's own view, every map gives the gap (no separate job):
    /// the newest gap is always that of the newest complete map.
    func testEveryLiveMapOfThePatternGivesAGap() {
        let session = Session.started(in: folders, pattern: .ring(size: 12))
        defer { session.stop() }
        var checked = Set<Int>()
        let deadline = Date().addingTimeInterval(90)
        while checked.count < 5, Date() < deadline {
            let s = session.snapshot()
            if let complete = s.map.completeStep, s.status == .training {
                XCTAssertEqual(s.training.scores.last?.step, complete, "the gap of the map at step \(complete)")
                checked.insert(complete)
            }
            usleep(2_000)
        }
        XCTAssertGreaterThanOrEqual(checked.count, 5, "five maps were seen")
        let steps = session.snapshot().training.scores.map(\.step)
        XCTAssertEqual(steps, steps.sorted(), "in step order")
        XCTAssertEqual(Set(steps).count, steps.count, "one per step at most")
    }
}
