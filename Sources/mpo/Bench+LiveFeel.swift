import Engine
import Foundation
import MPO

extension Bench {
    /// What the explorer delivers with the live preset: a Session (the explorer's engine) trains
    /// a 16x16 ring while refreshing a 16x16 map over `images` test images. Measured on the wall
    /// clock: training steps/s and seconds per complete map while training, then seconds for one
    /// map with training paused.
    struct LiveFeel: Codable {
        var eval_images: Int
        var steps_per_s_while_mapping: Double
        /// nil when fewer than two maps completed in the window (`note` says so).
        var map_seconds_while_training: Double?
        var map_seconds_paused: Double
        var note: String

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(eval_images, forKey: .eval_images)
            try c.encode(steps_per_s_while_mapping, forKey: .steps_per_s_while_mapping)
            try c.encode(map_seconds_while_training, forKey: .map_seconds_while_training)  // null when nil
            try c.encode(map_seconds_paused, forKey: .map_seconds_paused)
            try c.encode(note, forKey: .note)
        }
    }

    static func measureLiveFeel(images: Int, seconds: Double, workers: Int, compute: Compute) throws -> LiveFeel {
        let home = NSTemporaryDirectory() + "mpo-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: home + "/Checkpoints", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        let pattern = Pattern.ring(size: 16)
        var config = TrainingConfig.live
        config.compute = compute
        config.warmStart = .none  // speed only
        let session = Session(options: .init(
            config: config, pattern: pattern, evalImages: images, workers: workers, folders: ProjectFolders(root: home)))
        session.start()
        defer { session.stop() }
        func wait(_ limit: Double, _ condition: (Session.Snapshot) -> Bool) -> Session.Snapshot? {
            let deadline = Date().addingTimeInterval(limit)
            while Date() < deadline {
                let s = session.snapshot()
                if condition(s) { return s }
                usleep(2_000)
            }
            return nil
        }
        guard let first = wait(120, { $0.map.completeStep != nil && $0.training.step > 0 }) else { throw BenchError("the session did not start") }
        // While training: count steps and complete maps over the window.
        let start = Date(), startStep = first.training.step
        var maps: [Date] = [], lastComplete = first.map.completeStep
        while Date().timeIntervalSince(start) < seconds {
            let s = session.snapshot()
            if s.map.completeStep != lastComplete { maps.append(Date()); lastComplete = s.map.completeStep }
            usleep(2_000)
        }
        let elapsed = Date().timeIntervalSince(start)
        let steps = session.snapshot().training.step - startStep
        let mapPeriod = maps.count >= 2 ? maps.last!.timeIntervalSince(maps.first!) / Double(maps.count - 1) : nil
        let note = mapPeriod == nil ? String(format: "%d map(s) completed in the %.0f s window: too few to time a period", maps.count, elapsed) : ""
        // Paused: one full refresh of the current plane.
        session.send(.setPaused(true))
        guard let paused = wait(60, { $0.status == .paused && $0.map.completeStep == $0.training.step }) else { throw BenchError("no map while paused") }
        session.send(.setSplit(.train))  // a new split starts a fresh map of the same plane
        let t0 = Date()
        _ = wait(120, { $0.map.split == .train && $0.map.completeStep == paused.training.step })
        return LiveFeel(
            eval_images: images, steps_per_s_while_mapping: Double(steps) / elapsed, map_seconds_while_training: mapPeriod,
            map_seconds_paused: Date().timeIntervalSince(t0), note: note)
    }

    struct BenchError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }
}
