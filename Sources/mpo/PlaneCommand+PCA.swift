import ArgumentParser
import Engine
import Foundation
import MPO

extension PlaneCommand {
    /// `mpo plane pca TRAJECTORY`: the top two principal directions of a training run.
    struct PCA: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pca",
            abstract: "The top two principal directions of an `mpo fit` trajectory about its final model, with the path drawn on it.",
            discussion: """
                mpo plane pca Checkpoints/run1.trajectory.safetensors --save run1-pca

                The origin is the final model (MODEL.safetensors beside MODEL.trajectory.safetensors, or --model); \
                the directions are the unit principal directions of the snapshots' offsets w_t - w_final \
                (uncentred, via the T x T Gram matrix), the snapshots projected onto them are the plane's \
                trajectory, and each direction's share of the squared offsets is its variance explained.
                """)

        @Argument(help: ArgumentHelp("A trajectory file written by `mpo fit` (NAME.trajectory.safetensors).", valueName: "trajectory")) var trajectory: String
        @Option(help: ArgumentHelp("The final model (default: the model file beside the trajectory).", valueName: "file")) var model: String?
        @OptionGroup var output: SaveOption

        func validate() throws {
            _ = try PlaneCommand.input("trajectory", trajectory)
            if let model { _ = try PlaneCommand.input("--model", model) }
        }

        /// NAME.trajectory.safetensors -> NAME.safetensors
        static func modelPath(beside trajectory: String) -> String {
            let suffix = ".trajectory.safetensors"
            return trajectory.hasSuffix(suffix) ? String(trajectory.dropLast(suffix.count)) + ".safetensors" : trajectory
        }

        func run() throws {
            let path = try PlaneCommand.input("trajectory", trajectory)
            let modelPath = try model.map { try PlaneCommand.input("--model", $0) } ?? Self.modelPath(beside: path)
            guard modelPath != path, FileManager.default.fileExists(atPath: modelPath) else {
                throw DataError(path, "needs the model it was recorded for, for its net and final weights: no \(modelPath); name it with --model")
            }
            let final = try ModelFile.read(path: modelPath)
            let t = try Trajectory.read(path: path, net: final.net)
            print("trajectory \(path): \(t.count) snapshots (steps \(t.steps.first ?? 0)...\(t.steps.last ?? 0)); final model \(modelPath) at step \(final.step)")
            do {
                let plane = try DirectionPlane.pca(
                    rows: t.rows, count: t.count, final: final.weights, statistics: final.statistics, net: final.net, dataset: final.settings.dataset, steps: t.steps,
                    sources: [(path as NSString).lastPathComponent, (modelPath as NSString).lastPathComponent])
                try output.write(plane)
            } catch let e as DirectionPlane.Degenerate {
                throw DataError(path, e.description)
            }
        }
    }
}
