import ArgumentParser
import Engine
import Foundation
import MPO

extension Bench {
    func validate() throws {
        try OptionCheck.workers(workers)
        try OptionCheck.count("--memory-probe", memoryProbe, Pattern.minSide...128)
        for name in presets.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            try OptionCheck.choice("--presets", name, TrainingConfig.presets.map(\.preset))
        }
        if precision != "all" { _ = try PrecisionOption.resolve(precision) }
    }
}
