import Engine
import Foundation
import TestSupport
import XCTest
@testable import MPO

/// The live preset's warm-start origin: trained once and kept, found again, never trusted when
/// damaged, and placed as the plane's origin with the directions drawn as before.
final class WarmStartTests: XCTestCase {
    static let train = try! DatasetKind.fashionMNIST.load(.train).prefix(2_000)

    var folder: String!

    override func setUpWithError() throws {
        folder = try temporaryFolder(name).path
    }

    var config: TrainingConfig {
        var c = TrainingConfig.tiny
        c.batchSize = 16
        c.cells = 4
        c.warmStart = WarmStart(steps: 12, batchSize: 32, learningRate: 3e-3)
        return c
    }

    var folders: WarmStart.Folders { WarmStart.Folders(lookup: [folder], write: folder) }

    func testTrainedOnceThenFound() throws {
        var said: [String] = []
        let a = try config.warmStart.origin(for: config, train: Self.train, workers: 2, folders: folders) { said.append($0) }
        XCTAssertTrue(said.contains { $0.hasPrefix("warm start: training") }, "\(said)")
        let file = folder + "/" + config.warmStart.fileName(for: config)
        XCTAssertTrue(FileManager.default.fileExists(atPath: file))
        XCTAssertEqual(try ModelFile.read(path: file, net: config.net).step, 12)

        said = []
        let b = try config.warmStart.origin(for: config, train: Self.train, workers: 1, folders: folders) { said.append($0) }
        XCTAssertEqual(a, b)
        XCTAssertTrue(said.isEmpty, "\(said)")

        // The trained origin has learnt something: it differs from its initialisation.
        var settings = ModelFile.Settings()
        settings.seed = config.warmStart.seed
        XCTAssertNotEqual(ModelTrainer.initial(net: config.net, settings: settings).weights, a)
    }

    func testOtherSettingsAreOtherFiles() {
        var other = config
        other.warmStart.steps = 13
        XCTAssertNotEqual(other.warmStart.fileName(for: other), config.warmStart.fileName(for: config))
        other = config
        other.dataset = .mnist
        XCTAssertNotEqual(other.warmStart.fileName(for: other), config.warmStart.fileName(for: config))
        other = config
        other.seed = 99  // the run's seed draws directions, not the shared origin
        XCTAssertEqual(other.warmStart.fileName(for: other), config.warmStart.fileName(for: config))
    }

    func testDamagedOrForeignFilesAreIgnoredAndReplaced() throws {
        let good = try config.warmStart.origin(for: config, train: Self.train, workers: 2, folders: folders)
        let file = folder + "/" + config.warmStart.fileName(for: config)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        var fewer = config
        fewer.warmStart.steps = 11
        let otherFolder = folder + "/other"
        try FileManager.default.createDirectory(atPath: otherFolder, withIntermediateDirectories: true)
        _ = try fewer.warmStart.origin(for: fewer, train: Self.train, workers: 2, folders: .init(lookup: [], write: otherFolder))
        let foreign = try Data(contentsOf: URL(fileURLWithPath: otherFolder + "/" + fewer.warmStart.fileName(for: fewer)))
        let hostile: [(String, Data)] = [
            ("empty", Data()),
            ("garbage", Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 37) })),
            ("truncated", bytes.prefix(bytes.count / 2)),
            ("a model of other settings", foreign),
        ]
        for (name, data) in hostile {
            try data.write(to: URL(fileURLWithPath: file))
            var said: [String] = []
            let origin = try config.warmStart.origin(for: config, train: Self.train, workers: 2, folders: folders) { said.append($0) }
            XCTAssertEqual(origin, good, name)
            XCTAssertTrue(said.first?.hasPrefix("ignoring a warm start file") == true, "\(name): \(said)")
            XCTAssertEqual(try ModelFile.read(path: file, net: config.net).step, 12, "\(name): rewritten whole")
        }
    }

    func testTheOriginIsTheWarmNetAndTheDirectionsAreAsDrawn() throws {
        let pattern = Pattern.ring(size: 10)
        let warm = try Trainer(config: config, pattern: pattern, train: Self.train, workers: 2, warmStartFolders: folders)
        var cold = config
        cold.warmStart = .none
        let random = try Trainer(config: cold, pattern: pattern, train: Self.train, workers: 2)
        let origin = try config.warmStart.origin(for: config, train: Self.train, workers: 2, folders: folders)
        XCTAssertEqual(Array(warm.plane.origin), origin)
        XCTAssertEqual(Array(warm.plane.rightParam), Array(random.plane.rightParam))
        XCTAssertEqual(Array(warm.plane.upParam), Array(random.plane.upParam))
        XCTAssertEqual(warm.plane.scale, random.plane.scale)
        XCTAssertEqual(warm.rng, random.rng)
        // A resumed plane keeps its own origin: no warm start over a state.
        let state = Trainer.State(plane: random.plane, adam: random.adam, rng: random.rng)
        let resumed = try Trainer(config: config, pattern: pattern, train: Self.train, workers: 2, state: state, warmStartFolders: folders)
        XCTAssertEqual(resumed.plane.parameters, random.plane.parameters)
    }

    /// The shipped origin of the live preset reads back as the paper net and classifies
    /// FashionMNIST's test images far above chance.
    func testTheShippedLiveOriginIsATrainedPaperNet() throws {
        let live = TrainingConfig.live
        let shipped = ProjectFolders.locate().warmStarts
        let path = shipped + "/" + live.warmStart.fileName(for: live)
        guard FileManager.default.fileExists(atPath: path) else {
            return XCTFail("no shipped warm start at \(path): run scripts/make-warm-start.sh")
        }
        var said: [String] = []
        let origin = try live.warmStart.origin(
            for: live, train: Self.train, workers: 2, folders: .init(lookup: [shipped], write: nil)) { said.append($0) }
        XCTAssertTrue(said.isEmpty, "the shipped file was not used: \(said)")
        let test = try DatasetKind.fashionMNIST.load(.test).prefix(1000)
        let r = try WeightEvaluator(net: live.net, data: test).evaluate([origin])[0]
        XCTAssertGreaterThan(r.accuracy, 0.7)
        XCTAssertLessThan(r.loss, 0.9)
    }
}
