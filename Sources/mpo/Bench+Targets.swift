import Engine
import Explorer
import Foundation

/// The performance targets (issue 4), each checked against what this run measured, so the bench
/// says itself which are met and which are not.
extension Bench {
    struct Target: Codable {
        var name: String
        var goal: String
        var measured: String
        /// nil: not measured in this run (the note says why).
        var met: Bool?
        var note: String

        // Written out as null when unknown, so every target has the same keys.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(goal, forKey: .goal)
            try c.encode(measured, forKey: .measured)
            try c.encode(met, forKey: .met)
            try c.encode(note, forKey: .note)
        }
    }

    static func targets(results: [String: [String: Result]], live: LiveFeel, memory: [String: Double]) -> [Target] {
        var list: [Target] = []
        let yard = pytorch["paper"]!
        func rate(_ x: Double) -> String { Format.thousands(Int(x.rounded())) + " cell-img/s" }
        if let fp32 = results["fp32"]?["paper"] {
            let train = 3 * yard.train, eval = 3 * yard.eval
            list.append(Target(name: "training, fp32, paper", goal: ">= 3x PyTorch (\(rate(train)))",
                               measured: rate(fp32.train_cell_images_per_s) + String(format: " (%.1fx)", fp32.pytorch_train_ratio),
                               met: fp32.train_cell_images_per_s >= train, note: ""))
            list.append(Target(name: "evaluation, fp32, paper", goal: ">= 3x PyTorch (\(rate(eval)))",
                               measured: rate(fp32.eval_cell_images_per_s) + String(format: " (%.1fx)", fp32.pytorch_eval_ratio),
                               met: fp32.eval_cell_images_per_s >= eval, note: ""))
        }
        let moonshot = 10 * yard.train
        let hardware = CPU.flags.contains("amx_tile") ? "AVX512-BF16 kernel (AMX present but not used)"
            : "AVX512-BF16 kernel; this CPU has no AMX"
        if let bf16 = results["bf16"]?["paper"] {
            list.append(Target(name: "training, bf16, paper", goal: ">= 10x PyTorch (\(rate(moonshot)))",
                               measured: rate(bf16.train_cell_images_per_s) + String(format: " (%.1fx)", bf16.pytorch_train_ratio),
                               met: bf16.train_cell_images_per_s >= moonshot, note: hardware))
        } else {
            list.append(Target(name: "training, bf16, paper", goal: ">= 10x PyTorch (\(rate(moonshot)))", measured: "-", met: nil,
                               note: GEMM.bf16Available ? "bf16 not measured in this run" : "no AVX512_BF16 on this CPU"))
        }
        if let ratio = memory["ratio"], let small = memory["rss_16x16_mb"], let large = memory["rss_64x64_mb"] {
            list.append(Target(name: "memory, 64x64 vs 16x16", goal: "peak RSS <= 1.1x",
                               measured: String(format: "%.0f vs %.0f MB (x%.2f)", large, small, ratio), met: ratio <= 1.1, note: ""))
        }
        list.append(Target(name: "live feel: training", goal: ">= 4 steps/s",
                           measured: String(format: "%.1f steps/s", live.steps_per_s_while_mapping),
                           met: live.steps_per_s_while_mapping >= 4, note: "live preset, \(GEMM.precision.rawValue)"))
        list.append(Target(name: "live feel: 16x16 map", goal: "<= 1 s over >= 256 images",
                           measured: String(format: "%.2f s over %d images", live.map_seconds_while_training, live.eval_images),
                           met: live.map_seconds_while_training <= 1 && live.eval_images >= 256, note: "while training"))
        list.append(Target(name: "live feel: keys", goal: "answered within 50 ms", measured: "-", met: nil,
                           note: "measured in a real terminal by scripts/key-latency.sh (tmux), not here"))
        return list
    }

    static func printTargets(_ list: [Target]) {
        print("")
        print("targets (PyTorch = the yardstick below):")
        for t in list {
            let verdict = t.met.map { $0 ? "met    " : "NOT met" } ?? "n/a    "
            let columns = [(t.name, 26), (t.goal, 37), (t.measured, 32)]
                .map { $0.0.padding(toLength: max($0.1, $0.0.count + 1), withPad: " ", startingAt: 0) }.joined()
            print("  \(verdict)  \(columns)\(t.note)")
        }
    }
}
