import ArgumentParser
import Engine
import Foundation
import MPO

/// `mpo plane`: make a plane of fixed directions around trained models (DESIGN.md §5).
struct PlaneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plane", abstract: "Make a plane of fixed directions around trained models: random, through three models, PCA of a trajectory, or the Hessian's top eigenvectors.",
        discussion: """
            A direction plane is an origin model w0 and two directions d1, d2: w(α, β) = w0 + α·d1 + β·d2. \
            It is saved like a trained plane (Checkpoints/NAME.safetensors, plane_kind random | models | pca | hessian) \
            and opens in `mpo render` (α, β ∈ [-1, 1] by default, widened to hold its markers and path), \
            `mpo view` and `mpo transect --from α,β --to α,β`. Models are `mpo fit` files.
            """,
        subcommands: [Random.self, Models.self, PCA.self, Hessian.self])

    /// `--save`: a plain name goes into Checkpoints/, a path with a / is used as given.
    struct SaveOption: ParsableArguments {
        @Option(help: ArgumentHelp(
            "Save the plane here: a plain name becomes Checkpoints/NAME.safetensors; a path with a / is used as given.",
            valueName: "name-or-path")) var save: String

        func validate() throws {
            try OptionCheck.saveTarget("--save", save)
        }

        /// Writes the plane and says what it is.
        func write(_ plane: DirectionPlane) throws {
            let path = try Train.savePath(save, folders: ProjectFolders.locate())
            try plane.write(to: path)
            print(PlaneCommand.describe(plane))
            print("saved \(path); look at it with: mpo render \(path)  (or mpo view \(path))")
        }
    }

    /// A model or plane file named on the command line (a path, or a name in Checkpoints/), checked
    /// to be a readable regular file.
    static func input(_ option: String, _ name: String) throws -> String {
        let path = Train.resumePath(name, folders: ProjectFolders.locate())
        do { try ByteReader.checkRegularFile(path) } catch let e as DataError { throw OptionCheck.fail(option, OptionCheck.shown(name), e.problem) }
        return path
    }

    /// The plane's lines for the terminal: kind, net, direction lengths, markers, variance.
    static func describe(_ p: DirectionPlane) -> String {
        func norm(_ x: [Float]) -> Double { x.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }
        var lines = [
            "\(p.kind.rawValue) plane: \(p.description); net \(p.net.summary), P = \(p.parameterCount), \(p.dataset.rawValue)",
            String(format: "|origin| %.4g, |d1| %.4g, |d2| %.4g, cos(d1, d2) %.3g", norm(p.origin), norm(p.direction1), norm(p.direction2),
                   zip(p.direction1, p.direction2).reduce(0) { $0 + Double($1.0) * Double($1.1) } / max(1e-30, norm(p.direction1) * norm(p.direction2))),
        ]
        if !p.markers.isEmpty {
            lines.append("markers: " + p.markers.map { String(format: "%@ at (%.4g, %.4g)", $0.name, $0.alpha, $0.beta) }.joined(separator: ", "))
        }
        if p.varianceExplained.count == 2 {
            let v = p.varianceExplained
            lines.append(String(format: "variance explained: d1 %.2f%%, d2 %.2f%% (together %.2f%%)", 100 * v[0], 100 * v[1], 100 * (v[0] + v[1])))
        }
        if p.eigenvalues.count == 2 {
            lines.append(String(format: "Hessian eigenvalues: λ1 %.6g, λ2 %.6g (on %@ images)", p.eigenvalues[0], p.eigenvalues[1], p.recipe.hessianImages ?? "?"))
        }
        if let first = p.trajectory.first, let last = p.trajectory.last {
            lines.append(String(format: "trajectory: %d points, from (%.3g, %.3g) to (%.3g, %.3g)", p.trajectory.count, first.alpha, first.beta, last.alpha, last.beta))
        }
        if p.net.batchNorm {
            lines.append(p.statistics == nil
                ? "BatchNorm: no running statistics (its models had none): drawn with batch statistics, or --bn-stats recompute"
                : "BatchNorm: carries its models' running statistics: drawn with them by default (--bn-stats running)")
        }
        lines.append(String(format: "default view: α, β in [-%g, %g], %dx%d samples", p.radius, p.radius, PlaneFrame.directionSamples, PlaneFrame.directionSamples))
        return lines.joined(separator: "\n")
    }
}
