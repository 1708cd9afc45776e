import Foundation

/// The plan written out for PyTorch (`mpo info --net NET --plan`): each module's `torch.nn` class
/// and arguments, shapes, FLOPs and parameters (name, shape, offset in the flat vector, how it
/// starts, what the engine stores against PyTorch's value). The companion's tests build an
/// `nn.Sequential` from it and check `python/losspatterns/net.py` against it.
extension LayerPlan {
    struct Description: Encodable {
        struct Parameter: Encodable {
            let name: String
            let shape: [Int]
            let offset: Int
            /// "uniform" (±1/sqrt(fan_in)) or "zeros".
            let initialization: String
            let fanIn: Int?
            let torchOffset: Float
        }

        struct Module: Encodable {
            let index: Int
            let kind: String
            let torch: TorchModule
            let input: [Int]
            let output: [Int]
            let forwardFlops: Double
            let parameters: [Parameter]
        }

        let net: String
        let spec: ModelSpec
        let parameterCount: Int
        let forwardFlops: Double
        let trainingFlops: Double
        let modules: [Module]
        /// The engine's layers as runs [first, last] of module indices (`fusedLayers`).
        let engineLayers: [[Int]]
    }

    /// The plan as JSON, keys sorted (camel case, as `TrainingConfig`'s JSON and the spec in it).
    public var json: String {
        let modules = steps.map { step in
            Description.Module(
                index: step.index, kind: step.kind, torch: step.torch, input: step.input, output: step.output,
                forwardFlops: step.forwardFLOPs,
                parameters: step.parameters.map {
                    Description.Parameter(
                        name: $0.name, shape: $0.shape, offset: $0.offset, initialization: $0.initialization.fanIn == nil ? "zeros" : "uniform",
                        fanIn: $0.initialization.fanIn, torchOffset: $0.torchOffset)
                })
        }
        let description = Description(
            net: spec.text, spec: spec, parameterCount: parameterCount, forwardFlops: forwardFLOPs, trainingFlops: spec.trainingFLOPs,
            modules: modules, engineLayers: fusedLayers.map { [$0.lowerBound, $0.upperBound - 1] })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(description), as: UTF8.self)
    }
}
