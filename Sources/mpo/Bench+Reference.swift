import ArgumentParser
import Foundation

/// PyTorch figures to compare with, read from a file given with `--reference`: the output of
/// `../shared/reference/ref_mpo.py bench` (its RESULT and EVAL lines; several runs may be
/// concatenated), or JSON `{"paper": {"train": N, "eval": N}, "live": {...}}` (also accepted:
/// `train_cell_images_per_s` / `eval_cell_images_per_s`). A RESULT line is matched to a preset by
/// its batch and cells (the total of good and bad); the EVAL line after it belongs to the same run.
/// Where several runs measured a preset (fp32 and bf16 autocast), the fastest counts: PyTorch at
/// its best.
extension Bench {
    struct Reference: Codable {
        var source: String
        /// preset -> figures (cell-images/s); a figure is nil when the file did not give it.
        var presets: [String: Figures]

        struct Figures: Codable {
            var train: Double?
            var eval: Double?
        }

        static func read(path: String, presets: [String: (batch: Int, cells: Int)]) throws -> Reference {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw ValidationError("--reference \(path): cannot be read")
            }
            if text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{") {
                guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                    throw ValidationError("--reference \(path): not valid JSON")
                }
                var figures: [String: Figures] = [:]
                for (name, value) in object {
                    guard let d = value as? [String: Any] else { continue }
                    let number = { (keys: [String]) in keys.lazy.compactMap { d[$0] as? Double }.first }
                    figures[name] = Figures(
                        train: number(["train", "train_cell_images_per_s"]), eval: number(["eval", "eval_cell_images_per_s"]))
                }
                guard !figures.isEmpty else { throw ValidationError("--reference \(path): no preset figures in the JSON") }
                return Reference(source: path, presets: figures)
            }
            var figures: [String: Figures] = [:]
            var current: String?
            for line in text.split(separator: "\n") {
                let fields = Dictionary(
                    line.split(separator: " ").compactMap { f -> (String, String)? in
                        let kv = f.split(separator: "=", maxSplits: 1)
                        return kv.count == 2 ? (String(kv[0]), String(kv[1])) : nil
                    }, uniquingKeysWith: { a, _ in a })
                if line.hasPrefix("RESULT ") {
                    guard let batch = fields["batch"].flatMap(Int.init), let cells = fields["cells"].flatMap(Int.init),
                          let rate = fields["cell_images_per_s"].flatMap(Double.init)
                    else { throw ValidationError("--reference \(path): a RESULT line without batch, cells and cell_images_per_s: \(line)") }
                    current = presets.first { $0.value.batch == batch && 2 * $0.value.cells == cells }?.key
                    if let current { figures[current, default: Figures()].train = max(figures[current]?.train ?? 0, rate) }
                } else if line.hasPrefix("EVAL "), let current {
                    guard let rate = fields["cell_images_per_s"].flatMap(Double.init) else {
                        throw ValidationError("--reference \(path): an EVAL line without cell_images_per_s: \(line)")
                    }
                    figures[current, default: Figures()].eval = max(figures[current]?.eval ?? 0, rate)
                }
            }
            guard !figures.isEmpty else {
                let wanted = presets.map { "\($0.key): --batch \($0.value.batch) --cells \($0.value.cells)" }.sorted().joined(separator: "; ")
                throw ValidationError("--reference \(path): no RESULT line of a measured preset (\(wanted))")
            }
            return Reference(source: path, presets: figures)
        }
    }
}
