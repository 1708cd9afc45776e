import Engine
import Foundation
import TestSupport
import XCTest
@testable import MPO

/// Determinism, exact resume and a short real run on FashionMNIST.
final class TrainerTests: XCTestCase {
    static let data: (train: Dataset, test: Dataset) = {
        let train = try! DatasetKind.fashionMNIST.load(.train)
        let test = try! DatasetKind.fashionMNIST.load(.test).prefix(500)
        return (train, test)
    }()

    var config: TrainingConfig {
        var c = TrainingConfig.tiny
        c.batchSize = 32
        c.cells = 6
        c.seed = 7
        return c
    }

    func testSameSeedSameParametersWhateverTheWorkerCount() throws {
        let pattern = Pattern.ring(size: 12)
        let a = try Trainer(config: config, pattern: pattern, train: Self.data.train, workers: 1)
        let b = try Trainer(config: config, pattern: pattern, train: Self.data.train, workers: 2)
        for _ in 0..<5 {
            a.step()
            b.step()
        }
        XCTAssertEqual(a.plane.parameters, b.plane.parameters)
        XCTAssertEqual(a.rng, b.rng)
        var other = config
        other.seed = 8
        let c = try Trainer(config: other, pattern: pattern, train: Self.data.train, workers: 2)
        c.step()
        XCTAssertNotEqual(c.plane.parameters, a.plane.parameters)
    }

    /// A new plane starts at the config's scale for its pattern (`initialScale(for:)`).
    func testANewPlaneStartsAtTheScaleForItsPattern() throws {
        var c = config
        c.fineScale = 0.25
        let grid = try Trainer(config: c, pattern: .squareGrid(cells: 4, spacing: 3), train: Self.data.train, workers: 1)
        XCTAssertEqual(grid.plane.scale, 0.25)
        let ring = try Trainer(config: c, pattern: .ring(size: 12), train: Self.data.train, workers: 1)
        XCTAssertEqual(ring.plane.scale, c.initialScale)
    }

    /// 10 steps + save + load + 10 steps == 20 steps straight, to the bit.
    func testResumeFromCheckpointIsExact() throws {
        try resumeIsExact(config)
    }

    /// The same with cells drawn by how wrong they are: their weights travel in the checkpoint
    /// (without them the resumed run would draw other cells).
    func testResumeWithWrongCellFocusIsExact() throws {
        var c = config
        c.cellFocus = .wrong(floor: 0.2)
        try resumeIsExact(c)
    }

    /// Cells drawn by wrongness differ from uniform draws, and the weights move off their start.
    func testWrongCellFocusDrawsOtherCellsAndLearnsWeights() throws {
        let pattern = Pattern.ring(size: 12)
        var c = config
        c.cellFocus = .wrong(floor: 0.2)
        let focused = try Trainer(config: c, pattern: pattern, train: Self.data.train)
        let uniform = try Trainer(config: config, pattern: pattern, train: Self.data.train)
        for _ in 0..<3 {
            focused.step()
            uniform.step()
        }
        XCTAssertNotEqual(focused.plane.parameters, uniform.plane.parameters)
        XCTAssertTrue(focused.cellWeights.wrongness.contains { $0 < 1 })
        XCTAssertTrue(focused.cellWeights.wrongness.allSatisfy { (0...1).contains($0) })
        XCTAssertNotNil(focused.state.cellWeights)
        XCTAssertNil(uniform.state.cellWeights)
    }

    func resumeIsExact(_ config: TrainingConfig) throws {
        let pattern = Pattern.squareOutline(size: 10)
        let straight = try Trainer(config: config, pattern: pattern, train: Self.data.train)
        for _ in 0..<20 { straight.step() }

        let first = try Trainer(config: config, pattern: pattern, train: Self.data.train)
        for _ in 0..<10 { first.step() }
        let path = temporary("resume.safetensors")
        try Checkpoint(config: config, pattern: pattern, state: first.state).write(to: path)
        let loaded = try Checkpoint.read(path: path)
        XCTAssertEqual(loaded.config, config)
        XCTAssertEqual(loaded.pattern.bits, pattern.bits)
        let second = try Trainer(config: loaded.config, pattern: loaded.pattern, train: Self.data.train, state: loaded.state)
        XCTAssertEqual(second.step, 10)
        for _ in 0..<10 { second.step() }
        XCTAssertEqual(second.step, 20)
        XCTAssertEqual(second.plane.parameters, straight.plane.parameters)
        XCTAssertEqual(second.adam.m, straight.adam.m)
    }

    /// The plane learns the pattern: the test-accuracy gap between black and white cells rises.
    func testGapRisesOnRealData() throws {
        var c = config
        c.batchSize = 64
        c.cells = 8
        let pattern = Pattern.ring(size: 10)
        let trainer = try Trainer(config: c, pattern: pattern, train: Self.data.train)
        let evaluator = try Evaluator(net: c.net, data: Self.data.test)
        let before = evaluator.score(plane: trainer.plane, pattern: pattern)
        for _ in 0..<150 { trainer.step() }
        let after = evaluator.score(plane: trainer.plane, pattern: pattern)
        XCTAssertGreaterThan(after.gap, before.gap + 0.04, "gap \(before.gap) -> \(after.gap)")
        XCTAssertLessThan(after.goodLoss, after.badLoss)
    }

    func testClampedBadCellsPushNoGradient() throws {
        // With clip 0 every bad cell is clamped: the objective's gradient comes from good cells only.
        var c = config
        c.clip = 0
        let pattern = Pattern.squareOutline(size: 8)
        let t = try Trainer(config: c, pattern: pattern, train: Self.data.train)
        let (good, bad) = pattern.trainedCells
        let onlyGood = t.gradient(cells: Array(good.prefix(3)), goodCount: 3).gradient
        let withBad = t.gradient(cells: Array(good.prefix(3)) + Array(bad.prefix(3)), goodCount: 3).gradient
        XCTAssertEqual(onlyGood, withBad)
    }

    /// With `.image` a bad cell's term is the mean over images of min(CE_i, clip). The trainer's
    /// objective and its gradient along a random direction of the plane's parameters match that
    /// objective computed here image by image (central differences), with the clip set among the
    /// bad cells' image losses so that some images are clamped and some are not.
    func testImageClampObjectiveAndGradientMatchThePerImageObjective() throws {
        try checkImageClamp(pattern: .squareOutline(size: 8), uneven: false)
    }

    /// An uneven pattern's bad cells clamp at `unevenClip`: with `clip` far above every loss, the
    /// trainer's objective and gradient still match the per-image objective clamped at `unevenClip`.
    func testAnUnevenPatternClampsAtItsOwnClip() throws {
        let dots = Pattern.squareGrid(cells: 3, spacing: 3)  // 9 black cells, 72 white
        XCTAssertTrue(TrainingConfig.live.isUneven(dots))
        try checkImageClamp(pattern: dots, uneven: true)
    }

    private func checkImageClamp(pattern: Pattern, uneven: Bool, file: StaticString = #filePath, line: UInt = #line) throws {
        var c = config
        c.clamp = .image
        c.batchSize = 12
        if uneven { c.unevenRatio = 4 }
        let (good, bad) = pattern.trainedCells
        let cells = Array(good.prefix(3)) + Array(bad.prefix(3))
        let train = Self.data.train, n = c.batchSize, size = train.imageSize
        let images = Array(train.images[0..<(n * size)]), labels = Array(train.labels[0..<n])
        let single = try Network(spec: c.net, capacity: 1)
        // Each cell's per-image losses at the plane's parameters `theta`.
        func losses(_ theta: [Float], _ plane: Plane) -> [[Double]] {
            var p = plane
            p.parameters = theta
            return cells.map { cell in
                let w = p.point(row: Double(cell.row), col: Double(cell.col))
                return (0..<n).map { i in
                    single.loss(images: Array(images[(i * size)..<((i + 1) * size)]), labels: [labels[i]], weights: w).loss
                }
            }
        }
        func objective(_ l: [[Double]], clip: Double) -> Double {
            func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }
            return mean(l[0..<3].map(mean)) - mean(l[3...].map { mean($0.map { min($0, clip) }) })
        }
        var rng = Xoshiro256(seed: 5)
        let probe = try Trainer(config: c, pattern: pattern, train: train, workers: 1)
        let badLosses = losses(probe.plane.parameters, probe.plane)[3...].flatMap { $0 }.sorted()
        let m = badLosses.count / 2
        let clip = Float((badLosses[m - 1] + badLosses[m]) / 2)
        if uneven {
            (c.clip, c.unevenClip) = (100, clip)
        } else {
            c.clip = clip
        }
        let t = try Trainer(config: c, pattern: pattern, train: train, workers: 1)
        XCTAssertEqual(t.clip, clip, file: file, line: line)
        t.setBatch(images: images, labels: labels)
        let (gradient, summary, _) = t.gradient(cells: cells, goodCount: 3)
        let theta = t.plane.parameters
        XCTAssertEqual(summary.objective, objective(losses(theta, t.plane), clip: Double(clip)), accuracy: 1e-4, file: file, line: line)

        let v = theta.map { _ in rng.uniform(-1, 1) * 1e-3 }
        let h: Float = 1
        let plus = objective(losses(zip(theta, v).map { $0 + h * $1 }, t.plane), clip: Double(clip))
        let minus = objective(losses(zip(theta, v).map { $0 - h * $1 }, t.plane), clip: Double(clip))
        let numeric = (plus - minus) / (2 * Double(h))
        let analytic = zip(gradient, v).map { Double($0) * Double($1) }.reduce(0, +)
        XCTAssertGreaterThan(abs(analytic), 1e-6, file: file, line: line)
        XCTAssertEqual(analytic, numeric, accuracy: 0.03 * abs(numeric), "directional derivative", file: file, line: line)
    }
}
