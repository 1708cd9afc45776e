import XCTest
@testable import Engine

/// The flat parameter vector: PyTorch's named_parameters() order, names and shapes for the
/// original code's nn.Sequential, and PyTorch's default initialisation.
final class ParameterLayoutTests: XCTestCase {
    /// The table conv_model() in the original code gives, rebuilt here from its module list:
    /// per conv [Conv2d, (BN), ReLU, (MaxPool2d)], then AdaptiveAvgPool2d, Flatten, and
    /// [Linear, ReLU] per hidden dense layer, then the last Linear.
    static func pytorchTable(_ spec: ModelSpec) -> String {
        enum Module { case conv(Int, Int), bn(Int), linear(Int, Int), other }
        var modules: [Module] = []
        for (cin, cout) in zip(spec.convChannels, spec.convChannels.dropFirst()) {
            modules.append(.conv(cin, cout))
            if spec.batchNorm { modules.append(.bn(cout)) }
            modules.append(.other)  // ReLU
            if spec.maxPool { modules.append(.other) }
        }
        modules += [.other, .other]
        let sizes = spec.dense + [spec.classes]
        for (fin, fout) in zip(sizes, sizes.dropFirst()) {
            modules += [.linear(fin, fout), .other]
        }
        modules.removeLast()  // no ReLU after the logits
        var parts: [String] = []
        for (i, m) in modules.enumerated() {
            switch m {
            case let .conv(cin, cout): parts += ["\(i).weight:\(cout)x\(cin)x3x3", "\(i).bias:\(cout)"]
            case let .bn(c): parts += ["\(i).weight:\(c)", "\(i).bias:\(c)"]
            case let .linear(fin, fout): parts += ["\(i).weight:\(fout)x\(fin)", "\(i).bias:\(fout)"]
            case .other: break
            }
        }
        return parts.joined(separator: ";")
    }

    static let specs: [ModelSpec] = [
        .paper, .paperBN, .small, .tiny, .paper.with(batchNorm: true), .paperBN.with(batchNorm: false),
        ModelSpec(inputShape: [3, 32, 32], convChannels: [3, 16, 32], dense: [512, 64, 32], maxPool: false),
    ]

    func testPaper() {
        let layout = ParameterLayout(.paper)
        XCTAssertEqual(layout.count, 153_402)
        XCTAssertEqual(layout.table, "0.weight:8x1x3x3;0.bias:8;3.weight:32x8x3x3;3.bias:32;6.weight:64x32x3x3;6.bias:64;"
                       + "11.weight:128x1024;11.bias:128;13.weight:10x128;13.bias:10")
        XCTAssertEqual(layout.entry(named: "11.weight")?.offset, 72 + 8 + 2304 + 32 + 18432 + 64)
        XCTAssertNil(layout.entry(named: "1.weight"))
    }

    func testPaperBN() {
        let layout = ParameterLayout(.paperBN)
        XCTAssertTrue(layout.table.hasPrefix("0.weight:8x1x3x3;0.bias:8;1.weight:8;1.bias:8;3.weight:8x8x3x3;3.bias:8;4.weight:8;4.bias:8;6.weight:32x8x3x3;"))
        XCTAssertTrue(layout.table.hasSuffix(";15.weight:64x64x3x3;15.bias:64;16.weight:64;16.bias:64;20.weight:128x1024;20.bias:128;22.weight:10x128;22.bias:10"))
        XCTAssertEqual(layout.entries.filter { $0.torchOffset == 1 }.count, 6, "the BN scales, stored as gamma - 1")
        XCTAssertEqual(layout.entries.filter { $0.initialization == .zeros }.count, 12, "BN scales and shifts")
    }

    func testNamesShapesAndOrderMatchPyTorch() {
        for spec in Self.specs {
            let layout = ParameterLayout(spec)
            XCTAssertEqual(layout.table, Self.pytorchTable(spec), spec.summary)
            // Entries tile [0, P) in order.
            var offset = 0
            for e in layout.entries {
                XCTAssertEqual(e.offset, offset, "\(spec.summary) \(e.name)")
                offset += e.count
            }
            XCTAssertEqual(layout.count, offset)
            XCTAssertEqual(try Network(spec: spec, capacity: 1).layout, layout)
        }
    }

    func testInitialisationBounds() {
        var rng = Xoshiro256(seed: 42)
        let layout = ParameterLayout(.paper.with(batchNorm: true))
        let w = layout.initialWeights(using: &rng)
        XCTAssertEqual(w.count, layout.count)
        var fanIn = 0  // of the last weight seen; its bias shares it
        for e in layout.entries {
            let values = w[e.range].map(Double.init)
            // From the shapes alone: conv weights [F, C, 3, 3] (fan-in 9C), linear weights [O, I]
            // (fan-in I), BN weights and all biases [C]; a BN weight follows a conv's bias.
            let isBN = e.shape.count == 1 && e.name.hasSuffix(".weight") || e.shape.count == 1 && layout.entries.contains {
                $0.offset + $0.count == e.offset && $0.shape.count == 1 && $0.name.hasSuffix(".weight")
            }
            if isBN {
                XCTAssertEqual(e.initialization, .zeros, e.name)
                XCTAssertTrue(values.allSatisfy { $0 == 0 }, e.name)  // gamma = stored + 1 = 1, beta = 0
                XCTAssertEqual(e.torchOffset, e.name.hasSuffix(".weight") ? 1 : 0, e.name)
            } else {
                if e.shape.count == 4 { fanIn = e.shape[1] * 9 }
                if e.shape.count == 2 { fanIn = e.shape[1] }
                XCTAssertEqual(e.initialization, .uniform(fanIn: fanIn), e.name)
                XCTAssertEqual(e.torchOffset, 0, e.name)
                let bound = 1 / Double(fanIn).squareRoot()
                XCTAssertTrue(values.allSatisfy { abs($0) <= bound }, "\(e.name) outside +-\(bound)")
                // Uniform over the whole interval: for U(-b, b), mean 0 and variance b^2 / 3.
                if values.count >= 1000 {
                    let mean = values.reduce(0, +) / Double(values.count)
                    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
                    XCTAssertEqual(mean, 0, accuracy: 0.1 * bound, e.name)
                    XCTAssertEqual(variance / (bound * bound), 1.0 / 3.0, accuracy: 0.03, e.name)
                    XCTAssertGreaterThan(values.map(abs).max()!, 0.99 * bound, e.name)
                }
            }
        }
        // Conv bias fan-in is the conv's (C * 9), linear bias fan-in the linear's input count.
        XCTAssertEqual(layout.entry(named: "0.bias")?.initialization.fanIn, 9)
        XCTAssertEqual(layout.entry(named: "4.bias")?.initialization.fanIn, 8 * 9)
        XCTAssertEqual(layout.entries.last?.initialization.fanIn, 128)
    }

    func testInitialisationIsDeterministic() {
        let layout = ParameterLayout(.small)
        var a = Xoshiro256(seed: 7), b = Xoshiro256(seed: 7), c = Xoshiro256(seed: 8)
        let wa = layout.initialWeights(using: &a)
        XCTAssertEqual(wa, layout.initialWeights(using: &b))
        XCTAssertEqual(a, b, "the generator advanced by the same amount")
        XCTAssertNotEqual(wa, layout.initialWeights(using: &c))
        // Three models from one generator (origin, right, up) are different.
        var d = Xoshiro256(seed: 7)
        XCTAssertNotEqual(layout.initialWeights(using: &d), layout.initialWeights(using: &d))
    }

    func testSpecValidation() {
        XCTAssertNoThrow(try ModelSpec.paper.validate())
        XCTAssertEqual(ModelSpec.paper.blockOutputSides.map { [$0.height, $0.width] }, [[14, 14], [7, 7], [3, 3]])
        let bad: [ModelSpec] = [
            ModelSpec(convChannels: [1, 8], dense: [100, 10]),  // 8 x 4 x 4 = 128 features, not 100
            ModelSpec(convChannels: [3, 8], dense: [128]),  // image has 1 channel
            ModelSpec(inputShape: [1, 4, 4], convChannels: [1, 2, 2, 2], dense: [32]),  // 4 -> 2 -> 1 -> 0
            ModelSpec(inputShape: [1, 28], convChannels: [1, 2], dense: [32]),
            ModelSpec(convChannels: [1, 2], dense: [2 * 65 * 65], adaptivePool: 65),  // pool side > 64
            ModelSpec(convChannels: [1], dense: [16]),
            ModelSpec(convChannels: [1, 2], dense: []),
        ]
        for spec in bad {
            XCTAssertThrowsError(try spec.validate(), "\(spec)") { XCTAssertTrue("\($0)".hasPrefix("invalid model"), "\($0)") }
            XCTAssertThrowsError(try Network(spec: spec, capacity: 1))
        }
    }

    func testPresets() {
        for (name, spec) in ModelSpec.presets {
            XCTAssertEqual(ModelSpec.preset(named: name), spec)
            XCTAssertEqual(spec.presetName, name)
            XCTAssertNoThrow(try spec.validate(), name)
        }
        XCTAssertNil(ModelSpec.preset(named: "nope"))
        XCTAssertEqual(ModelSpec.paper.with(batchNorm: true).presetName, "paper+bn")
    }
}
