/// A `torch.nn` module as its layer type declares it (`PlanModule.torch`): built in Python as
/// `getattr(torch.nn, type)(*arguments, **options)`, e.g. `Conv2d(1, 8, kernel_size=3, padding=1)`.
public struct TorchModule: Hashable, Sendable, Codable {
    public let type: String
    public let arguments: [Int]
    public let options: [String: Int]

    public init(_ type: String, _ arguments: [Int] = [], _ options: [String: Int] = [:]) {
        self.type = type
        self.arguments = arguments
        self.options = options
    }

    /// "Conv2d(1, 8, kernel_size=3, padding=1)", as PyTorch prints it.
    public var text: String {
        let parts = arguments.map(String.init) + options.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return type + "(" + parts.joined(separator: ", ") + ")"
    }
}
