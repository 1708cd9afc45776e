@testable import Engine
@testable import MPO
import XCTest

/// The memory estimate against the buffers a real `Network` builds.
final class MemoryEstimateTests: XCTestCase {
    func testFloatsPerImageFollowTheNetworksLayers() throws {
        let specs: [ModelSpec] = [
            .paper, .paperBN, .small, .tiny, .paper.with(batchNorm: true), .paperBN.with(batchNorm: false),
            try ModelSpec(parsing: "input 3x32x32; conv 16,32 bn; avgpool 2; dense 64,32"),
        ]
        for spec in specs {
            let network = try Network(spec: spec, capacity: 1)
            let outputs = [spec.inputSize] + network.layers.map(\.outputSize)
            // One winner byte per pooled output: the conv's max-pool epilogue or a MaxPool2 layer.
            let winners = network.layers.filter { ($0 as? Conv2D)?.epilogue == .biasReLUMaxPool || $0 is MaxPool2 }.map(\.outputSize)
            let widest = Double(outputs.max()!), pooled = Double(winners.reduce(0, +))
            XCTAssertEqual(MemoryEstimate.floatsPerImage(spec, forwardOnly: false), Double(outputs.reduce(0, +)) + 2 * widest + pooled, spec.text)
            XCTAssertEqual(MemoryEstimate.floatsPerImage(spec, forwardOnly: true), 2 * widest + pooled, spec.text)
            XCTAssertEqual(MemoryEstimate.parameters(spec), Double(network.layout.count), spec.text)
        }
    }

    func testNetsBeyondTheCheckpointLimitsAreNamed() throws {
        XCTAssertNil(Limits.beyond(.paperBN))
        let cases: [(String, String)] = [
            ("conv " + Array(repeating: "4", count: 17).joined(separator: ","), "17 conv layers; at most 16"),
            ("conv 1025", "1025 channels; at most 1024"),
            ("conv 8; dense 1,2,3,4,5,6,7,8", "8 hidden dense layers; at most 7"),
            ("conv 1024; avgpool 9", "82944 flattened features"),
            ("conv 8; dense 65537", "dense size 65537; at most 65536"),
            ("conv 1024; avgpool 8; dense 65536", "parameters; at most 67108864"),
            ("input 1x5000x5000; conv 8", "image side 5000; at most 4096"),
        ]
        for (text, reason) in cases {
            let why = Limits.beyond(try ModelSpec(parsing: text))
            XCTAssertTrue(why?.contains(reason) == true, "\(text): \(why ?? "nil")")
        }
    }
}
