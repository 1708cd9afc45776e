import ArgumentParser
import Engine
import Foundation
import MPO

extension ExplorerUIOptions {
    /// Images per map sample: the train split is the larger one.
    static let evalImagesRange = 1...60_000

    func validate() throws {
        try OptionCheck.count("--eval-images", evalImages, Self.evalImagesRange)
    }
}

extension Explore {
    /// The explorer keeps the plain and the BatchNorm plane: both must fit, with the larger image
    /// pool a paused map refines over.
    func validate() throws {
        try TrainingOptions.checkMemory(
            try training.config(), workers: training.resolvedWorkers, evalImages: Session.mapPoolImages(evalImages: ui.evalImages), planes: 2)
    }
}

extension Edit {
    func validate() throws {
        let sides = size.split(separator: "x").compactMap { Int($0) }
        guard sides.count == 2, sides.allSatisfy({ (Pattern.minSide...128).contains($0) }) else {
            throw OptionCheck.fail("--size", OptionCheck.shown(size), "must be WxH with sides \(Pattern.minSide)...128, e.g. 24x16")
        }
        try TrainingOptions.checkMemory(
            try training.config(), workers: training.resolvedWorkers, evalImages: Session.mapPoolImages(evalImages: ui.evalImages), planes: 2)
    }
}

extension View {
    func validate() throws {
        try OptionCheck.workers(workers)
        do { try ByteReader.checkRegularFile(checkpoint) } catch let e as DataError {
            throw OptionCheck.fail("checkpoint", OptionCheck.shown(checkpoint), e.problem)
        }
    }
}
