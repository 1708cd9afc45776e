/// Every way a net is written as text, in one place: the description that parses back (`text`:
/// files keep it as their `net` metadata, `mpo info` lists the presets with it and commands print
/// it back as `quoted`), and the one line for people (`summary`, whose parts the explorer's
/// panel shows on rows of their own). The companion's `net.py` writes `summary` the same way.
extension ModelSpec {
    /// The net as a description that parses back to it (`init(parsing:)`), every clause written
    /// out, e.g. "input 1x28x28; conv 8,32,64 pool; avgpool 4; dense 128; classes 10".
    public var text: String {
        func list(_ v: ArraySlice<Int>) -> String { v.map(String.init).joined(separator: ",") }
        var clauses = ["input " + inputShape.map(String.init).joined(separator: "x")]
        clauses.append("conv " + list(convChannels.dropFirst()) + (batchNorm ? " bn" : "") + (maxPool ? " pool" : ""))
        clauses.append("avgpool \(adaptivePool)")
        if dense.count > 1 { clauses.append("dense " + list(dense.dropFirst())) }
        clauses.append("classes \(classes)")
        return clauses.joined(separator: "; ")
    }

    /// The description in quotes, then the preset's name if it is one: how commands print a net
    /// back, e.g. "'input 1x28x28; conv 8,32,64 pool; avgpool 4; dense 128; classes 10' (paper)".
    public var quoted: String { "'\(text)'" + (presetName.map { " (\($0))" } ?? "") }

    /// "conv 1-8-32-64": the channels, the input's first.
    public var convSummary: String { "conv " + convChannels.map(String.init).joined(separator: "-") }

    /// "dense 1024-128-10": the flattened features, the hidden sizes and the classes.
    public var denseSummary: String { "dense " + (dense + [classes]).map(String.init).joined(separator: "-") }

    /// One line, e.g. "conv 1-8-32-64, dense 1024-128-10, max-pool, 1x28x28".
    public var summary: String {
        var parts = [convSummary, denseSummary]
        if batchNorm { parts.append("BN") }
        if maxPool { parts.append("max-pool") }
        parts.append(inputShape.map(String.init).joined(separator: "x"))
        return parts.joined(separator: ", ")
    }

    /// The preset's name (see `presetName`) or "custom".
    public var shortName: String { presetName ?? "custom" }

    /// "paper: conv 1-8-32-64, dense 1024-128-10, max-pool, 1x28x28".
    public var namedSummary: String { shortName + ": " + summary }
}
