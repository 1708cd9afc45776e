import Engine

/// The bounds on what a file or a command line may ask for, in one table. A checkpoint, a plane or
/// a model can come from anyone: its net and settings decide what training allocates, so a reader
/// refuses them beyond these before anything is built (`Checkpoint.checkLimits`). Options and
/// `--net` stop at the same numbers (`beyond`), so every plane that trains can be saved and
/// opened again.
public enum Limits {
    /// Conv layers, the input channels not counted.
    public static let convLayers = 16
    /// Channels of any conv layer.
    public static let channels = 1024
    /// Dense sizes: the flatten's and the hidden layers' (so at most 7 hidden layers).
    public static let denseLayers = 8
    /// Any dense size (the flattened features included) and the classes.
    public static let denseSize = 1 << 16
    /// P, the length of the flat parameter vector.
    public static let parameters = 1 << 26
    /// Image sides (the datasets' are 28 and 32).
    public static let imageSide = 4096
    /// Minibatch size.
    public static let batch = 1...(1 << 14)
    /// Good and bad cells per step, each.
    public static let cells = 1...(1 << 12)
    /// Steps a plane may reach.
    public static let maxStep = 1 << 48

    /// Why a net is larger than a checkpoint accepts back (image sides, conv layers,
    /// channels, dense layers and sizes with the flatten's, parameters), or nil when it fits. The
    /// sizes are checked before the parameters are counted, so the count cannot overflow. For a
    /// net that passed `validate()`.
    public static func beyond(_ net: ModelSpec) -> String? {
        if let side = net.inputShape.dropFirst().first(where: { $0 > imageSide }) { return "image side \(side); at most \(imageSide)" }
        let convs = net.convChannels.count - 1
        if convs > convLayers { return "\(convs) conv layers; at most \(convLayers)" }
        if let c = net.convChannels.first(where: { $0 > channels }) { return "\(c) channels; at most \(channels)" }
        if net.dense.count > denseLayers {
            return "\(net.dense.count - 1) hidden dense layers; at most \(denseLayers - 1)"
        }
        if let d = net.dense.first, d > denseSize {
            return "\(d) flattened features (channels x avgpool^2); at most \(denseSize)"
        }
        if let d = net.dense.first(where: { $0 > denseSize }) { return "dense size \(d); at most \(denseSize)" }
        if net.classes > denseSize { return "\(net.classes) classes; at most \(denseSize)" }
        let p = LayerPlan(net).parameterCount
        if p > parameters { return "\(p) parameters; at most \(parameters)" }
        return nil
    }
}
