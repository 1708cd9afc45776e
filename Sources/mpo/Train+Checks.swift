import ArgumentParser
import Engine
import Foundation
import MPO

extension Train {
    func validate() throws {
        try OptionCheck.count("--steps", steps, 1...Limits.maxStep)
        try OptionCheck.count("--preview-every", previewEvery, 0...Int.max)
        try OptionCheck.count("--eval-images", evalImages, 1...10_000)
        let folders = ProjectFolders.locate()
        try OptionCheck.saveTarget("--save", save, folders: folders)
        if let resume {
            let path = Self.resumePath(resume, folders: folders)
            do { try ByteReader.checkRegularFile(path) } catch let e as DataError {
                throw OptionCheck.fail("--resume", OptionCheck.shown(resume), e.problem)
            }
        } else {
            try TrainingOptions.checkMemory(try training.config(), workers: training.resolvedWorkers, evalImages: evalImages, planes: 1)
        }
    }
}
