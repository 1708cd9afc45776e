import ArgumentParser
import Engine
import MPO

/// `--net` wherever a command takes one: a preset's name or a description
/// (`ModelSpec(parsing:)`), with one help text and one set of checks.
enum NetOption {
    /// `names`: the presets the command knows; `defaultNote` e.g. "default: paper".
    static func help(_ defaultNote: String, names: [String] = ModelSpec.presets.map(\.name)) -> ArgumentHelp {
        ArgumentHelp(
            "Net: \(names.joined(separator: ", ")), or a description such as 'conv 16,32,64 pool; dense 128' (\(defaultNote)).",
            discussion: ModelSpec.grammar, valueName: "net")
    }

    /// The net `text` names, for images of `dataset`: a preset, or a description whose input
    /// defaults to the dataset's images. With no dataset (a model file that names none) the
    /// input defaults to 1x28x28. Refuses, naming `option`, a description that does not parse,
    /// a net larger than a checkpoint accepts back, or one that does not fit the dataset.
    static func spec(
        _ text: String, option: String = "--net", dataset: DatasetKind?,
        presets: [(name: String, spec: ModelSpec)] = ModelSpec.presets
    ) throws -> ModelSpec {
        // The reason may quote the text: made fit to show, as the value is.
        func fail(_ why: String) -> ValidationError { OptionCheck.fail(option, OptionCheck.shown(text), Safetensors.printable(why, limit: 300)) }
        let shape = dataset?.imageShape ?? DatasetKind.fashionMNIST.imageShape
        let spec: ModelSpec
        if let preset = presets.first(where: { $0.name == text })?.spec {
            spec = preset.adapted(to: shape)
            do { try spec.validate() } catch { throw fail("\(error)") }
        } else {
            guard text.contains(where: { $0 == ";" || $0.isWhitespace }) else {
                throw fail("use a preset (\(presets.map(\.name).joined(separator: ", "))) or a description such as 'conv 16,32,64 pool; dense 128' (see --help)")
            }
            do { spec = try ModelSpec(parsing: text, input: shape) } catch { throw fail("\(error)") }
        }
        if let why = Limits.beyond(spec) { throw fail("too large: \(why)") }
        if let dataset {
            guard spec.inputShape == dataset.imageShape else {
                throw fail("a net for \(shown(spec.inputShape)) images does not fit \(dataset.rawValue), whose images are \(shown(dataset.imageShape))")
            }
            guard spec.classes == dataset.classes else {
                throw fail("\(spec.classes) classes do not fit \(dataset.rawValue), which has \(dataset.classes)")
            }
        }
        return spec
    }

    /// `spec` for a `validate()`: the dataset option's value may be wrong (its own check says so).
    static func check(_ text: String?, option: String = "--net", dataset: String?, presets: [(name: String, spec: ModelSpec)] = ModelSpec.presets) throws {
        guard let text else { return }
        _ = try spec(text, option: option, dataset: dataset.flatMap(DatasetKind.init(rawValue:)), presets: presets)
    }

    /// 1x28x28
    static func shown(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "x") }
}
