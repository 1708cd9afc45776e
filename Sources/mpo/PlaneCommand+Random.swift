import ArgumentParser
import Engine
import Foundation
import MPO

extension PlaneCommand {
    /// `mpo plane random`: two random filter-normalised directions around one model (or one cell of an MPO plane).
    struct Random: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Two random Gaussian directions around a model, normalised as Li et al. 2018 (loss-landscape).",
            discussion: """
                mpo plane random Checkpoints/run1.safetensors --save run1-random
                mpo plane random --around 8,8 Checkpoints/heart.safetensors --save heart-8-8

                --norm filter (default) rescales each filter of a direction (one output's slice of a conv or \
                linear weight) to the norm of the same filter in the model; layer rescales each weight tensor \
                as a whole; none keeps the Gaussian. 1-D tensors (biases, BatchNorm scale and shift) are zeroed \
                with --ignore biasbn (default) and otherwise set to the model's own values, as loss-landscape does.
                """)

        @Argument(help: ArgumentHelp("A model from `mpo fit` (with --around: an MPO plane checkpoint).", valueName: "model")) var file: String
        @Option(help: "Direction normalisation: filter, layer or none.") var norm = "filter"
        @Option(help: "biasbn: zero the directions of biases and BatchNorm parameters; none: keep them (set to the model's values).") var ignore = "biasbn"
        @Option(help: "Random seed of the directions, 0...2^64-1.") var seed: UInt64 = 1
        @Option(help: ArgumentHelp("Centre the plane on this cell of an MPO plane: its weights there are the origin.", valueName: "row,col")) var around: String?
        @Option(help: NetOption.help("for a PyTorch state_dict that does not say; files of ours say their own")) var net: String?
        @OptionGroup var output: SaveOption

        func validate() throws {
            try OptionCheck.choice("--norm", norm, DirectionPlane.Norm.allCases.map(\.rawValue))
            try OptionCheck.choice("--ignore", ignore, ["biasbn", "none"])
            if let around { _ = try TransectCommand.cell("--around", around) }
            _ = try PlaneCommand.input(around == nil ? "model" : "plane", file)
        }

        func run() throws {
            let path = try PlaneCommand.input(around == nil ? "model" : "plane", file)
            let origin: [Float], net: ModelSpec, dataset: DatasetKind
            var cell: String?, statistics: [Float]?
            if let around {
                let c = try Checkpoint.read(path: path)
                let p = try TransectCommand.cell("--around", around)
                (origin, net, dataset) = (c.state.plane.surface.weights(row: p.row, col: p.col), c.config.net, c.config.dataset)
                cell = "\(Self.number(p.row)),\(Self.number(p.col))"
            } else {
                let m = try ModelFile.read(path: path, net: try self.net.map { try NetOption.spec($0, dataset: nil) })
                (origin, net, dataset, statistics) = (m.weights, m.net, m.settings.dataset, m.statistics)
            }
            var plane = DirectionPlane.random(
                origin: origin, statistics: statistics, net: net, dataset: dataset, norm: DirectionPlane.Norm(rawValue: norm)!, ignoreBiasBN: ignore == "biasbn",
                seed: seed, sources: [(path as NSString).lastPathComponent])
            plane.recipe.around = cell
            try output.write(plane)
        }

        static func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }
    }
}
