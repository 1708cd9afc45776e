import ArgumentParser
import Engine
import Foundation
import MPO

extension PlaneCommand {
    /// `mpo plane models A B C`: the plane through three trained models.
    struct Models: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The plane through three models: origin A, d1 = B - A, d2 = the part of C - A orthogonal to d1.",
            discussion: """
                mpo plane models run1.safetensors run2.safetensors run3.safetensors --save three

                A is at (0, 0), B at (1, 0) and C at (α_C, 1) with α_C = <C-A, B-A>/|B-A|² (markers A, B, C). \
                Unlike dnn-mode-connectivity's plane.py the directions are not scaled to unit length: α measures \
                the way from A to B, β the way from the line AB to C, so the two axes' scales differ.
                """)

        @Argument(help: ArgumentHelp("Three models from `mpo fit` with the same net: A (the origin), B and C.", valueName: "model")) var models: [String] = []
        @Option(help: NetOption.help("for PyTorch state_dicts that do not say; files of ours say their own")) var net: String?
        @OptionGroup var output: SaveOption

        func validate() throws {
            guard models.count == 3 else { throw ValidationError("give three model files A B C (got \(models.count))") }
            for (name, file) in zip(["A", "B", "C"], models) { _ = try PlaneCommand.input("model \(name)", file) }
        }

        func run() throws {
            let paths = try zip(["A", "B", "C"], models).map { try PlaneCommand.input("model \($0)", $1) }
            let given = try self.net.map { try NetOption.spec($0, dataset: nil) }
            let m = try paths.map { try ModelFile.read(path: $0, net: given) }
            for k in 1..<3 where m[k].net != m[0].net {
                throw DataError(paths[k], "is another net (\(m[k].net.summary)) than \(paths[0]) (\(m[0].net.summary))")
            }
            do {
                // Running statistics only when all three have them.
                let statistics = m.allSatisfy { $0.statistics != nil } ? m.map { $0.statistics! } : nil
                let plane = try DirectionPlane.through(
                    m[0].weights, m[1].weights, m[2].weights, statistics: statistics, net: m[0].net, dataset: m[0].settings.dataset,
                    sources: paths.map { ($0 as NSString).lastPathComponent })
                try output.write(plane)
            } catch let e as DirectionPlane.Degenerate {
                throw ValidationError("\(paths.joined(separator: " ")): \(e.description)")
            }
        }
    }
}
