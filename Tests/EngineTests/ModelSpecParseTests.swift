import XCTest
@testable import Engine

/// Nets written as text: what the grammar means, the canonical text, and refusals that say why.
final class ModelSpecParseTests: XCTestCase {
    func testDescriptionsMeanTheNetsTheySay() throws {
        // Written out by hand from the grammar, not from the parser.
        let cases: [(String, ModelSpec)] = [
            ("conv 8,32,64 pool; dense 128", .paper),
            ("conv 8,8,32,32,64,64 bn; dense 128", .paperBN),
            ("conv 4,8 pool; dense 16", .small),
            ("conv 4 pool; dense 16", .tiny),
            ("  CONV 16, 32 ,64 pool bn ;dense 128,64; ", ModelSpec(convChannels: [1, 16, 32, 64], dense: [1024, 128, 64], batchNorm: true)),
            ("input 3x32x32; conv 16,32; avgpool 2; classes 7",
             ModelSpec(inputShape: [3, 32, 32], convChannels: [3, 16, 32], dense: [128], maxPool: false, adaptivePool: 2, classes: 7)),
            ("classes 10; dense; conv 5", ModelSpec(convChannels: [1, 5], dense: [80], maxPool: false)),
            ("conv 2,2,2,2 pool; avgpool 1", ModelSpec(convChannels: [1, 2, 2, 2, 2], dense: [2], adaptivePool: 1)),  // 28 -> 1
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try ModelSpec(parsing: text), expected, text)
        }
        // The input defaults to what the caller says (a dataset's images).
        XCTAssertEqual(try ModelSpec(parsing: "conv 8,32,64 pool; dense 128", input: [3, 32, 32]), ModelSpec.paper.adapted(to: [3, 32, 32]))
    }

    func testCanonicalTextParsesBackToTheSameNet() throws {
        var specs = ModelSpec.presets.map(\.spec) + [
            ModelSpec(inputShape: [3, 32, 32], convChannels: [3, 16, 32], dense: [512, 64, 32], maxPool: false, adaptivePool: 4, classes: 3),
            ModelSpec(convChannels: [1, 7], dense: [7 * 25], batchNorm: true, adaptivePool: 5),
        ]
        specs += specs.map { $0.with(batchNorm: !$0.batchNorm) }
        for spec in specs {
            let text = spec.text
            let back = try ModelSpec(parsing: text, input: [9, 9, 9])  // the text names its input
            XCTAssertEqual(back, spec, text)
            XCTAssertEqual(back.text, text)
        }
        XCTAssertEqual(ModelSpec.paper.text, "input 1x28x28; conv 8,32,64 pool; avgpool 4; dense 128; classes 10")
        XCTAssertEqual(ModelSpec(convChannels: [1, 5], dense: [80], maxPool: false).text, "input 1x28x28; conv 5; avgpool 4; classes 10")
    }

    /// The other text forms (ModelSpec+Text), as commands, files and the explorer show them.
    func testTextForms() {
        let paper = ModelSpec.paper
        XCTAssertEqual(paper.quoted, "'input 1x28x28; conv 8,32,64 pool; avgpool 4; dense 128; classes 10' (paper)")
        XCTAssertEqual(paper.summary, "conv 1-8-32-64, dense 1024-128-10, max-pool, 1x28x28")
        XCTAssertEqual(paper.namedSummary, "paper: conv 1-8-32-64, dense 1024-128-10, max-pool, 1x28x28")
        XCTAssertEqual(paper.with(batchNorm: true).namedSummary, "paper+bn: conv 1-8-32-64, dense 1024-128-10, BN, max-pool, 1x28x28")
        let custom = ModelSpec(convChannels: [1, 5], dense: [80], maxPool: false)
        XCTAssertEqual(custom.quoted, "'input 1x28x28; conv 5; avgpool 4; classes 10'")
        XCTAssertEqual(custom.namedSummary, "custom: conv 1-5, dense 80-10, 1x28x28")
        XCTAssertEqual([custom.convSummary, custom.denseSummary], ["conv 1-5", "dense 80-10"])
    }

    func testImpossibleNetsAreRefusedSayingWhy() {
        let cases: [(String, String)] = [
            ("", "empty"),
            ("dense 128", "no conv clause"),
            ("conv 8,8,8,8,8 pool", "5 max-pools shrink 28x28 images to nothing; at most 4 fit"),
            ("input 3x32x32; conv 1,1,1,1,1,1 pool", "6 max-pools shrink 32x32 images to nothing; at most 5 fit"),
            ("conv 0,8", "conv: 0 must be 1 or more"),
            ("conv 8; dense 0", "dense: 0 must be 1 or more"),
            ("conv -8", "'-8' is not a whole number"),
            ("conv 8 32", "not a list of sizes"),
            ("conv 8,,32", "'' is not a whole number"),
            ("conv", "conv: no channels"),
            ("conv 8 pol", "'pol' is not bn or pool"),
            ("conv 8 pool pool", "'pool' is not bn or pool"),
            ("conv 8; conv 16", "'conv' is given twice"),
            ("conv 8; relu", "unknown clause 'relu'"),
            ("conv 8; avgpool 65", "avgpool 65: the pool side must be 1...64"),
            ("conv 8; classes 1", "classes 1: a classifier needs at least 2"),
            ("conv 8; input 1x28", "input '1x28': give channels and sides as CxHxW"),
            ("conv 99999999999999999999999", "too large"),
            ("conv 1048577", "too large (at most 1048576)"),
            ("conv 8; dense 1.5", "'1.5' is not a whole number"),
        ]
        for (text, reason) in cases {
            XCTAssertThrowsError(try ModelSpec(parsing: text), text) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains(reason), "\(text): \(message)")
                XCTAssertFalse(message.contains("\n"), "one line: \(message)")
            }
        }
    }

    /// The plan against sizes worked out by hand for the paper net.
    func testPlanOfThePaperNet() {
        let plan = LayerPlan(.paper)
        XCTAssertEqual(plan.steps.map(\.kind), [
            "conv3x3", "relu", "maxPool2", "conv3x3", "relu", "maxPool2", "conv3x3", "relu", "maxPool2",
            "adaptiveAvgPool", "flatten", "linear", "relu", "linear",
        ])
        XCTAssertEqual(plan.steps.map(\.output), [
            [8, 28, 28], [8, 28, 28], [8, 14, 14], [32, 14, 14], [32, 14, 14], [32, 7, 7], [64, 7, 7], [64, 7, 7], [64, 3, 3],
            [64, 4, 4], [1024], [128], [128], [10],
        ])
        XCTAssertEqual(plan.parameterCount, 8 * 9 + 8 + 32 * 72 + 32 + 64 * 288 + 64 + 1024 * 128 + 128 + 128 * 10 + 10)
        let macs = 8 * 9 * 784 + 32 * 72 * 196 + 64 * 288 * 49 + 1024 * 128 + 128 * 10
        XCTAssertEqual(plan.forwardFLOPs, 2 * Double(macs))
        XCTAssertEqual(ModelSpec.paper.trainingFLOPs, 3 * 2 * Double(macs) - 2 * Double(8 * 9 * 784))
        // Conv + ReLU + max-pool run as one layer; so do pool + flatten and linear + ReLU.
        XCTAssertEqual(plan.fusedLayers, [0..<3, 3..<6, 6..<9, 9..<11, 11..<13, 13..<14])
        let bn = LayerPlan(.paper.with(batchNorm: true))
        XCTAssertEqual(bn.fusedLayers.prefix(3).map { bn.steps[$0].map(\.kind) }, [["conv3x3"], ["batchNorm", "relu"], ["maxPool2"]])
    }

    /// The network keeps one buffer per fused layer, of the plan's size.
    func testNetworkLayersAreThePlansFusedLayers() throws {
        for spec in [ModelSpec.paper, .paperBN, .small.with(batchNorm: true), ModelSpec(convChannels: [1, 5], dense: [80], maxPool: false)] {
            let network = try Network(spec: spec, capacity: 2)
            let plan = network.plan
            XCTAssertEqual(network.layers.map(\.outputSize), plan.fusedLayers.map { plan.steps[$0.last!].outputSize }, spec.text)
        }
    }
}
