import ArgumentParser
import Engine
import Foundation

/// `mpo smoke`: trains one net on FashionMNIST for a few hundred steps — a headless check
/// that data, kernels and optimiser work together.
struct Smoke: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train one small net briefly on FashionMNIST (engine check).")

    @Option(help: "Net preset: paper, paper-bn, small, tiny.") var net = "small"
    @Option(help: "Steps of Adam.") var steps = 300
    @Option(help: "Batch size.") var batch = 128

    func run() throws {
        guard let spec = ModelSpec.preset(named: net) else { throw ValidationError("unknown net \(net)") }
        let train = try DatasetKind.fashionMNIST.load(.train)
        let test = try DatasetKind.fashionMNIST.load(.test).prefix(1000)
        print("\(GEMM.backend)")
        let network = try Network(spec: spec, capacity: max(batch, test.count))
        var rng = Xoshiro256(seed: 1)
        var weights = network.layout.initialWeights(using: &rng)
        var adam = Adam(count: weights.count, learningRate: 1e-3)
        var sampler = MinibatchSampler(dataset: train, batchSize: batch)
        let start = Date()
        for step in 1...steps {
            sampler.next(using: &rng)
            var gradient = [Float](repeating: 0, count: weights.count)
            let (loss, _) = network.lossAndGradient(images: sampler.images, labels: sampler.labels, weights: weights, gradient: &gradient)
            adam.update(&weights, gradient: gradient)
            if step % 50 == 0 || step == steps {
                let (testLoss, correct) = network.loss(images: test.images, labels: test.labels, weights: weights)
                print(String(format: "step %4d  train loss %.3f  test loss %.3f  test acc %.3f", step, loss, testLoss, Double(correct) / Double(test.count)))
            }
        }
        print(String(format: "%.1f steps/s", Double(steps) / Date().timeIntervalSince(start)))
    }
}
