import Engine
import Foundation

/// The live preset's head start: the plane's origin begins as a net that has already learnt the
/// task, so the first steps of MPO carve the pattern instead of teaching a random net to classify.
///
/// From random nets every cell of the plane sits at chance for the first ~80 steps (heart,
/// FashionMNIST: test gap 0.014 at step 50, 0.095 at 100); the paper's appendix A starts there,
/// and the `paper` preset still does. Here the origin is one net trained `steps` Adam steps of
/// `batchSize` images from PyTorch's default initialisation (its own seed, so that every run of a
/// net and dataset shares it: the run's seed still draws the two directions, cells and batches).
/// Looked up in the project's `WarmStarts/` folder (shipped for the default net and dataset, with
/// how it was made), then in the user's cache folder, else trained now and cached. A file that does
/// not read back as that net with those settings is ignored with a note and trained again.
public struct WarmStart: Hashable, Sendable, Codable {
    /// Adam steps of the origin net (0: no warm start, the paper's random origin).
    public var steps: Int
    public var batchSize: Int
    public var learningRate: Float
    /// Draws the net's initialisation and its minibatches.
    public var seed: UInt64

    public init(steps: Int, batchSize: Int = 64, learningRate: Float = 1e-3, seed: UInt64 = 1) {
        self.steps = steps
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.seed = seed
    }

    /// Where warm origins are looked up (in order) and where a new one is written.
    public struct Folders: Sendable {
        public var lookup: [String]
        public var write: String?

        public init(lookup: [String], write: String?) {
            self.lookup = lookup
            self.write = write
        }

        /// The project's shipped `WarmStarts/`, then the user's cache (written there).
        public static var standard: Folders {
            let cache = try? UserCache.path("warm-start", "")
            return Folders(lookup: [ProjectFolders.locate().warmStarts] + (cache.map { [$0] } ?? []), write: cache)
        }
    }

    public static let none = WarmStart(steps: 0)

    public var isOn: Bool { steps > 0 }

    /// What the cache file of a run is named after.
    func key(net: ModelSpec, dataset: DatasetKind, dataDirectory: String?) -> String {
        "warm|\(net.text)|\(dataset.rawValue)|\(dataDirectory ?? "-")|\(seed)|\(steps)|\(batchSize)|\(learningRate)"
    }

    /// The file name of the warm origin of `config` (the dataset, then a hash of everything).
    public func fileName(for config: TrainingConfig) -> String {
        let key = key(net: config.net, dataset: config.dataset, dataDirectory: config.dataDirectory)
        return "\(config.dataset.rawValue)-\(UserCache.stem(key)).safetensors"
    }

    /// Says what the warm start does (training, reusing, ignoring a bad cache file).
    public typealias Progress = (_ message: String) -> Void

    /// The origin [P] for a run of `config` on `train`: found in `folders`, else trained now (and kept).
    public func origin(for config: TrainingConfig, train: Dataset, workers: Int, folders: Folders = .standard,
                       progress: Progress = { _ in }) throws -> [Float] {
        let name = fileName(for: config)
        for folder in folders.lookup {
            let path = (folder as NSString).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: path) else { continue }
            do {
                let m = try ModelFile.read(path: path, net: config.net)
                guard m.step == steps, m.settings.seed == seed, m.settings.batchSize == batchSize,
                      m.settings.learningRate == learningRate, m.settings.dataset == config.dataset else {
                    throw DataError(path, "made with other settings")
                }
                return m.weights
            } catch {
                progress("ignoring a warm start file (\(error)); training it again")
            }
        }
        var settings = ModelFile.Settings()
        settings.seed = seed
        settings.batchSize = batchSize
        settings.learningRate = learningRate
        settings.dataset = config.dataset
        let trainer = try ModelTrainer(
            model: ModelTrainer.initial(net: config.net, settings: settings), train: train, workers: workers, compute: config.compute)
        progress("warm start: training the origin net, \(steps) steps of \(batchSize) images (once; then kept in \(folders.write ?? "no folder"))")
        let start = Date()
        var last = ModelTrainer.StepResult(step: 0, loss: 0, accuracy: 0, images: 0, seconds: 0)
        while trainer.step < steps {
            last = trainer.advance()
            if trainer.step % 100 == 0 && trainer.step < steps {
                progress(String(format: "warm start: step %d/%d, batch accuracy %.2f", trainer.step, steps, last.accuracy))
            }
        }
        progress(String(format: "warm start: %d steps in %.1f s, last batch loss %.3f, accuracy %.2f", steps, Date().timeIntervalSince(start), last.loss, last.accuracy))
        if let folder = folders.write {
            do {
                try trainer.model.write(to: (folder as NSString).appendingPathComponent(name))
            } catch {
                progress("warm start not kept (\(error)); the next run trains it again")
            }
        }
        return trainer.model.weights
    }
}
