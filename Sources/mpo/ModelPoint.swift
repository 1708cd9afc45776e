import ArgumentParser
import Engine
import Foundation
import MPO

/// A point of weight space named on the command line: a model (from `mpo fit`, or a PyTorch
/// state_dict with --net) or, with `--at`, a position of a saved plane — ROW,COL of a trained MPO
/// plane, α,β of a direction plane — read as `mpo transect --from` reads one. A plain name is
/// looked for in Checkpoints/ as `mpo plane` does (`PlaneCommand.input`).
struct ModelPoint {
    var net: ModelSpec
    var dataset: DatasetKind
    /// w [P].
    var weights: [Float]
    /// The data folder the file names (MPO planes record one).
    var dataDirectory: String?
    /// "run1.safetensors", or "heart.safetensors at (8, 8)".
    var label: String
    /// "ROW,COL" or "α,β" with --at.
    var position: String?

    /// Checks for a `validate()`: the file is a readable regular file, `at` two finite numbers.
    static func check(_ file: String, at: String?, net: String?) throws {
        _ = try PlaneCommand.input(at == nil ? "model" : "plane", file)
        if let at { _ = try TransectCommand.cell("--at", at) }
        try NetOption.check(net, dataset: nil)
    }

    /// `open` for a `validate()`: a file that cannot be read is a bad argument (exit 64), named.
    static func opened(_ file: String, at: String?, net: String?) throws -> ModelPoint {
        do { return try open(file, at: at, net: net) } catch let e as DataError {
            throw OptionCheck.fail(at == nil ? "model" : "plane", OptionCheck.shown(file), e.problem)
        }
    }

    static func open(_ name: String, at: String?, net: String?) throws -> ModelPoint {
        let file = try PlaneCommand.input(at == nil ? "model" : "plane", name)
        let name = (file as NSString).lastPathComponent
        guard let at else {
            if try Safetensors.read(path: file).metadata["format"] == Checkpoint.format {
                throw DataError(file, "is a plane, not a model: name a point of it with --at ROW,COL (α,β on a direction plane)")
            }
            let m = try ModelFile.read(path: file, net: try net.map { try NetOption.spec($0, dataset: nil) })
            return ModelPoint(net: m.net, dataset: m.settings.dataset, weights: m.weights, dataDirectory: nil, label: name)
        }
        let plane = try PlaneFile.read(path: file)
        let p = try TransectCommand.cell("--at", at)
        let (a, b) = plane.frame.names
        return ModelPoint(
            net: plane.net, dataset: plane.dataset, weights: plane.weights(at: p.row, p.col), dataDirectory: plane.dataDirectory,
            label: "\(name) at \(a),\(b) = \(Self.number(p.row)),\(Self.number(p.col))", position: "\(Self.number(p.row)),\(Self.number(p.col))")
    }

    static func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }
}
