import Engine
import Foundation
import TestSupport
import XCTest
@testable import MPO

final class CheckpointTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = try temporaryFolder(name).path
    }

    func sample(net: ModelSpec = .tiny, seed: UInt64 = 3) -> Checkpoint {
        var config = TrainingConfig.tiny
        config.net = net
        config.seed = seed
        let pattern = Pattern.ring(size: 9)
        var rng = Xoshiro256(seed: seed)
        let layout = ParameterLayout(net)
        let plane = Plane(layout: layout, height: 9, width: 9, rng: &rng)
        var adam = Adam(count: 3 * layout.count + 1, learningRate: 1e-3)
        adam.m = adam.m.map { _ in rng.uniform(-1, 1) }
        adam.v = adam.v.map { _ in rng.uniform(0, 1) }
        adam.step = 42
        return Checkpoint(config: config, pattern: pattern, state: .init(plane: plane, adam: adam, rng: rng))
    }

    func testRoundTrip() throws {
        let c = sample()
        let path = directory + "/a.safetensors"
        try c.write(to: path)
        let r = try Checkpoint.read(path: path)
        XCTAssertEqual(r.config, c.config)
        XCTAssertEqual(r.pattern, c.pattern)
        XCTAssertEqual(r.state.plane.parameters, c.state.plane.parameters)
        XCTAssertEqual(r.state.adam.m, c.state.adam.m)
        XCTAssertEqual(r.state.adam.v, c.state.adam.v)
        XCTAssertEqual(r.step, 42)
        XCTAssertEqual(r.state.rng, c.state.rng)
        // The file is plain safetensors with the documented tensor names.
        let f = try Safetensors.read(path: path)
        XCTAssertEqual(Set(f.tensors.keys), ["origin", "right_param", "up_param", "scale", "pattern", "adam_m", "adam_v"])
        XCTAssertEqual(f.metadata["parameters"], ParameterLayout(.tiny).table)
    }

    /// A checkpoint records what computed it (metadata and config), and a config written before
    /// `compute` existed still decodes, with this machine's reference compute.
    func testRecordsTheComputeAndReadsOlderConfigs() throws {
        var c = sample()
        c.config.compute = Compute(isa: .portable, precision: .fp32)
        let path = directory + "/isa.safetensors"
        try c.write(to: path)
        let file = try Safetensors.read(path: path)
        XCTAssertEqual(file.metadata["isa"], "portable")
        XCTAssertEqual(file.metadata["precision"], "fp32")
        XCTAssertEqual(try Checkpoint.read(path: path).config.compute, c.config.compute)

        var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: JSONEncoder().encode(c.config)) as? [String: Any])
        XCTAssertNotNil(object.removeValue(forKey: "compute"))
        let old = try JSONDecoder().decode(TrainingConfig.self, from: try JSONSerialization.data(withJSONObject: object))
        XCTAssertEqual(old.compute, .default)
        XCTAssertEqual(old.with(batchNorm: false).net, c.config.net)
    }

    func testRefusesAnotherArchitectureWhenAsked() throws {
        let path = directory + "/b.safetensors"
        try sample().write(to: path)
        XCTAssertThrowsError(try Checkpoint.read(path: path, expecting: .small)) { error in
            XCTAssertTrue("\(error)".contains(path) && "\(error)".contains("another net"), "\(error)")
        }
        XCTAssertNoThrow(try Checkpoint.read(path: path, expecting: .tiny))
    }

    func testDamagedFilesAreRefusedWithTheirName() throws {
        let path = directory + "/c.safetensors"
        try sample().write(to: path)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        var cases: [(String, Data)] = []
        cases.append(("truncated", good.prefix(good.count - 100)))
        cases.append(("empty", Data()))
        var flipped = good
        flipped[12] ^= 0xFF  // inside the JSON header
        cases.append(("header byte", flipped))
        let other = Safetensors(tensors: ["x": .init([Float(1)])], metadata: ["format": "something-else"]).serialized()
        cases.append(("other format", Data(other)))
        var parsed = try Safetensors.read(path: path)
        parsed.tensors["origin"] = .init([Float](repeating: .nan, count: ParameterLayout(.tiny).count))
        cases.append(("NaN plane", Data(parsed.serialized())))
        parsed = try Safetensors.read(path: path)
        parsed.metadata["parameters"] = "0.weight:1"
        cases.append(("table mismatch", Data(parsed.serialized())))
        parsed = try Safetensors.read(path: path)
        parsed.tensors["adam_m"] = .init([Float](repeating: 0, count: 5))
        cases.append(("adam size", Data(parsed.serialized())))
        for (what, bytes) in cases {
            let bad = directory + "/bad.safetensors"
            try bytes.write(to: URL(fileURLWithPath: bad))
            XCTAssertThrowsError(try Checkpoint.read(path: bad), what) { error in
                XCTAssertTrue("\(error)".contains(bad), "\(what): \(error)")
            }
        }
    }

    func testNonFinitePlaneIsNeverWritten() throws {
        let path = directory + "/d.safetensors"
        let c = sample()
        try c.write(to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        var broken = sample(seed: 9)
        broken.state.plane.parameters[5] = .infinity
        XCTAssertThrowsError(try broken.write(to: path))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before, "the good checkpoint stays")
    }
}
