import ArgumentParser
import Engine
import Foundation
import MPO

extension PlaneCommand {
    /// `mpo plane hessian MODEL`: the plane of the Hessian's top two eigenvectors.
    struct Hessian: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The plane of the loss Hessian's top two eigenvectors at a model (d1, d2 unit and orthogonal; λ1, λ2 kept in the file).",
            discussion: """
                mpo plane hessian Checkpoints/run1.safetensors --save run1-hessian
                mpo plane hessian Checkpoints/heart.safetensors --at 8,8 --save heart-8-8-hessian

                The eigenvectors are found by Lanczos on exact Hessian-vector products of the mean \
                cross-entropy over the split's first --eval-images images (see mpo hessian). Along d1 the loss \
                near the origin rises as ½λ1α², so the default view is α, β in [-r, r] with r about √(2/λ1) \
                (where that has risen by 1), not [-1, 1].
                """)

        @Argument(help: ArgumentHelp("A model from `mpo fit` or a PyTorch state_dict (with --net); with --at, a plane checkpoint.", valueName: "model")) var file: String
        @Option(help: ArgumentHelp("Centre the plane on this point of the plane FILE: ROW,COL of a trained MPO plane, α,β of a direction plane.", valueName: "position")) var at: String?
        @Option(help: "Images the Hessian is taken on (the split's first N), 1...60000; at most 10000 for a BatchNorm net.") var evalImages = 1000
        @Option(help: "Data split: train or test.") var split = "train"
        @Option(help: "Lanczos tolerance on |Hv - λv| relative to λ1; above 0, at most 0.5.") var tolerance = 1e-4
        @Option(help: "Lanczos steps at most, 2...2000.") var maxSteps = 200
        @Option(help: "Seed of the Lanczos start vector, 0...2^64-1.") var seed: UInt64 = 0
        @Option(help: "Folder with the dataset's files (default for fashion-mnist: /usr/share/datasets/fashion-mnist).") var data: String?
        @Option(help: "Worker threads, 1 or more; capped at the cores (default: all cores).") var workers: Int?
        @Option(help: NetOption.help("for a PyTorch state_dict that does not say; files of ours say their own")) var net: String?
        @OptionGroup var output: SaveOption

        func validate() throws {
            try OptionCheck.count("--eval-images", evalImages, 1...60_000)
            try OptionCheck.count("--max-steps", maxSteps, 2...2000)
            try OptionCheck.number("--tolerance", tolerance, 0...0.5, above: true)
            try OptionCheck.choice("--split", split, Split.allCases.map(\.rawValue))
            try OptionCheck.folder("--data", data)
            try OptionCheck.workers(workers)
            try ModelPoint.check(file, at: at, net: net)
            let point = try ModelPoint.opened(file, at: at, net: net)
            if point.net.batchNorm && evalImages > 10_000 {
                throw OptionCheck.fail("--eval-images", String(evalImages), "a BatchNorm net sees all of them in one batch; at most 10000")
            }
            let p = ParameterLayout(point.net).count
            guard p >= 2 else { throw OptionCheck.fail("model", OptionCheck.shown(file), "a net of \(p) parameter has no plane") }
            try OptionCheck.memory(
                HessianVectorProduct.bytes(net: point.net, images: evalImages) + 4 * Double(p) * Double(min(maxSteps, p) + 4),
                blame: "--eval-images \(evalImages) and --max-steps \(maxSteps) on a net of \(p) parameters")
        }

        func run() throws {
            let path = try PlaneCommand.input(at == nil ? "model" : "plane", file)
            let point = try ModelPoint.open(file, at: at, net: net)
            let split = Split(rawValue: self.split)!
            let images = try point.dataset.load(split, from: data ?? point.dataDirectory).prefix(evalImages)
            let spectrum = try HessianSpectrum(net: point.net, weights: point.weights, data: images, workers: OptionCheck.resolvedWorkers(workers))
            let progress = HessianCommand.Progress(enabled: isatty(2) != 0)
            let found = try spectrum.top(k: 2, tolerance: tolerance, maxSteps: maxSteps, seed: seed) {
                progress.show("Lanczos step \($0.step): " + $0.estimates.map { String(format: "%.5g", $0) }.joined(separator: ", "))
            }
            progress.done()
            guard found.values.count == 2 else { throw DataError(path, "the Hessian's Krylov space closed after one step: no second direction") }
            if !found.converged {
                FileHandle.standardError.write(Data(String(format: "note: Lanczos did not reach --tolerance in %d steps (residuals %.1e, %.1e); raise --max-steps\n",
                                                           found.steps, found.residuals[0], found.residuals[1]).utf8))
            }
            print(String(format: "Lanczos: %d Hessian-vector products, residuals |Hv - λv| %.2e, %.2e", spectrum.product.products, found.residuals[0], found.residuals[1]))
            var plane = DirectionPlane.hessian(
                origin: point.weights, net: point.net, dataset: point.dataset, eigenvalues: found.values, directions: found.vectors,
                images: images.count, split: split, seed: seed, sources: [(path as NSString).lastPathComponent])
            plane.recipe.around = point.position
            try output.write(plane)
        }
    }
}
