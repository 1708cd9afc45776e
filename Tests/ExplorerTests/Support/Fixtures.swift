import Engine
import Foundation
import TestSupport
import XCTest
@testable import Explorer
@testable import MPO

/// States and snapshots made without a session: a 12x12 ring "trained" into a synthetic map.
enum Fixtures {
    static let pattern = Pattern.ring(size: 12)

    /// A fresh project folder with Patterns/ (the ring) and Checkpoints/, removed by the test.
    static func folders(_ test: XCTestCase) throws -> ProjectFolders {
        let folders = ProjectFolders(root: try test.temporaryFolder(test.name).path)
        try FileManager.default.createDirectory(atPath: folders.patterns, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folders.checkpoints, withIntermediateDirectories: true)
        try pattern.writePBM(to: folders.patterns + "/ring12.pbm")
        return folders
    }

    /// A plane through three freshly initialised small nets (markers A, B, C), saved in the
    /// project's Checkpoints/ as three.safetensors; returns its path.
    static func threeModelPlane(in folders: ProjectFolders) throws -> String {
        let models = (1...3).map { seed -> [Float] in
            var rng = Xoshiro256(seed: UInt64(seed))
            return ParameterLayout(.small).initialWeights(using: &rng)
        }
        let plane = try DirectionPlane.through(models[0], models[1], models[2], net: .small, dataset: .fashionMNIST, sources: ["a", "b", "c"])
        let path = folders.checkpoints + "/three.safetensors"
        try plane.write(to: path)
        return path
    }

    /// Loss as if training had succeeded: low on black cells, high on white ones, rising outside.
    static func loss(_ p: Pattern, row: Double, col: Double) -> Float {
        let (r, c) = (Int(row.rounded()), Int(col.rounded()))
        guard p.contains(row: r, col: c) else {
            let outside = max(0, -row, row - Double(p.height - 1), -col, col - Double(p.width - 1))
            return Float(2.4 + 0.5 * outside)
        }
        return p[r, c] ? 0.2 + Float((r + c) % 3) * 0.05 : 2.3
    }

    static func snapshot(for viewport: Viewport, pattern p: Pattern = pattern, step: Int = 420, version: Int = 1) -> Session.Snapshot {
        var map = Heatmap(viewport: viewport, split: .test, step: step)
        for i in 0..<viewport.rows {
            for j in 0..<viewport.cols {
                let pos = viewport.position(row: i, col: j)
                let l = loss(p, row: pos.row, col: pos.col)
                map.loss[i * viewport.cols + j] = l
                map.accuracy[i * viewport.cols + j] = max(0, min(1, 1 - l / 2.5))
            }
        }
        var s = Session.Snapshot(pattern: p, config: .tiny, heatmap: map)
        s.version = version
        s.status = .training
        s.training.parameterCount = 2570
        s.training.step = step
        s.training.stepsPerSecond = 41.5
        s.training.cellImagesPerSecond = 42_496
        s.training.dataset = "fashion-mnist (60000 train)"
        s.training.evalImages = 100
        s.training.config.compute = Compute(isa: .avx512bf16, precision: .bf16)  // what the snapshots show
        s.map.completeStep = step - 12
        s.map.progress = 1
        s.training.unsavedSteps = step
        s.training.history = (1...step).map { k in
            let t = Double(k) / Double(step)
            return Trainer.StepResult(
                step: k, objective: -t, goodLoss: 2.3 - 2 * t, badLoss: 2.3 + 0.2 * t, goodAccuracy: 0.1 + 0.8 * t,
                badAccuracy: 0.1, gradientNorm: 1, cellImages: 1024, seconds: 0.02)
        }
        let cells = Viewport(pattern: p)
        let score = PatternScore(
            pattern: p, loss: (0..<cells.count).map { loss(p, row: Double($0 / p.width), col: Double($0 % p.width)) },
            accuracy: (0..<cells.count).map { max(0, 1 - loss(p, row: Double($0 / p.width), col: Double($0 % p.width)) / 2.5) })
        s.training.scores = stride(from: 50, through: step, by: 50).map { ($0, score) }
        return s
    }

    /// A state at `width` x `height` that has received one snapshot whose map covers its view.
    static func state(_ test: XCTestCase, width: Int = 100, height: Int = 34, capabilities: Capabilities = .full,
                      folders: ProjectFolders? = nil) throws -> AppState {
        var state = AppState(
            pattern: pattern, width: width, height: height, capabilities: capabilities,
            folders: try folders ?? Self.folders(test))
        state.terminalSummary = "test terminal"
        _ = state.update(snapshot(for: state.camera.viewport))
        _ = state.takeCommands()
        return state
    }

    /// The state's text as a snapshot test sees it.
    static func render(_ state: AppState) -> CellBuffer {
        var buffer = CellBuffer(width: 0, height: 0)
        ScreenRenderer.render(state, into: &buffer)
        return buffer
    }
}

extension AppState {
    /// Presses keys by name ("l", "S-Up", "Enter").
    @discardableResult
    mutating func press(_ names: String..., now: Date = Date()) -> Redraw {
        var redraw: Redraw = []
        for name in names { redraw.formUnion(handle(Key(name: name)!, now: now)) }
        return redraw
    }
}
