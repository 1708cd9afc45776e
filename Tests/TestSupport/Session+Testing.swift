import Engine
import Foundation
import MPO
import XCTest

extension Session {
    /// A started session of the tiny preset (its net unless `net` is given) at `batch` images on
    /// `cells` cells a step, the project in `folders`: what the session tests drive. `measurement`:
    /// plan for a machine of this speed instead of timing this one; `chunkPositions`: at most
    /// this many map positions per chunk; `poison`: a NaN into the plane after the steps it
    /// says (`Session.Options`).
    public static func started(
        in folders: ProjectFolders, pattern: Pattern = .ring(size: 8), net: ModelSpec? = nil, batch: Int = 32, cells: Int = 4,
        learningRate: Float? = nil, evalImages: Int = 64, workers: Int = 2, paused: Bool = false, sizesBatch: Bool = true,
        recovery: RecoveryStore? = nil, measurement: LivePlan.Measurement? = nil, chunkPositions: Int? = nil,
        poison: (@Sendable (_ step: Int) -> Bool)? = nil
    ) -> Session {
        var c = TrainingConfig.tiny
        if let net { c.net = net }
        c.batchSize = batch
        c.cells = cells
        if let learningRate { c.learningRate = learningRate }
        var options = Options(
            config: c, pattern: pattern, evalImages: evalImages, workers: workers, folders: folders, startPaused: paused,
            recovery: recovery)
        options.measurement = measurement
        options.chunkPositions = chunkPositions
        options.poison = poison
        let session = Session(options: options.sizingBatch(sizesBatch))
        session.start()
        return session
    }

    /// Polls the snapshot until `condition` holds or `seconds` pass (then fails, saying what the
    /// session was doing): a deadline, never a sleep and then an assertion.
    @discardableResult
    public func waitFor(_ what: String, seconds: Double, file: StaticString = #filePath, line: UInt = #line,
                        _ condition: (Snapshot) -> Bool) -> Snapshot {
        let deadline = Date().addingTimeInterval(seconds)
        var s = snapshot()
        while !condition(s) {
            if Date() > deadline {
                let m = s.map, grid = "\(m.heatmap.viewport.cols)x\(m.heatmap.viewport.rows)"
                XCTFail("timed out waiting for \(what); status \(s.status), step \(s.training.step), map \(grid) x \(m.images) img "
                        + "complete at \(m.completeStep.map(String.init) ?? "-"), plan \(s.training.plan.map { "\($0)" } ?? "-"), messages \(s.messages.map(\.text))",
                        file: file, line: line)
                return s
            }
            usleep(5_000)
            s = snapshot()
        }
        return s
    }
}
