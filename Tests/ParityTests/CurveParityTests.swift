import Engine
import Foundation
@testable import MPO
import TestSupport
import XCTest

/// The curve's gradient with respect to θ against PyTorch's autograd of the same formula
/// (scripts/make-curve-fixture.py): the paper net, A = Tests/Fixtures/torch/paper-net, the
/// fixture's B and θ, four values of t, the first 32 FashionMNIST test images.
final class CurveParityTests: XCTestCase {
    static let folder = packageRootFolder + "/Tests/Fixtures/torch"

    func testGradientWithRespectToThetaMatchesPyTorch() throws {
        let test = try XCTUnwrap(try? DatasetKind.fashionMNIST.load(.test), "FashionMNIST is needed at \(DatasetKind.debianFashionMNIST)")
        let fixture = try Safetensors.read(path: Self.folder + "/curve-gradient.safetensors")
        let path = Self.folder + "/curve-gradient.safetensors"
        let net = try ModelSpec(parsing: try XCTUnwrap(fixture.metadata["net"]))
        let a = try ModelFile.read(path: Self.folder + "/paper-net.safetensors", net: net).weights
        let b = try fixture.tensor("curve.b", in: path).floats(), theta = try fixture.tensor("curve.theta", in: path).floats()
        let ts = try fixture.tensor("t", in: path).doubles()
        let images = test.prefix(Int(try XCTUnwrap(fixture.metadata["images"].flatMap(Int.init))))
        XCTAssertEqual(a.count, 153_402)
        for kind in Curve.Kind.allCases {
            var s = CurveTrainer.Settings()
            (s.points, s.batchSize) = (ts.count, images.count)
            let trainer = try CurveTrainer(
                net: net, curve: Curve(kind: kind, a: a, b: b, theta: theta), settings: s, train: images, workers: 2,
                compute: Compute(precision: .fp32))
            trainer.setBatch(images: images.images, labels: images.labels)
            let (g, loss, _) = trainer.gradient(at: ts)
            let expected = try fixture.tensor("grad.\(kind.rawValue)", in: path).doubles()
            let pytorchLoss = try fixture.tensor("loss.\(kind.rawValue)", in: path).doubles()[0]
            XCTAssertEqual(loss, pytorchLoss, accuracy: 1e-5 * pytorchLoss, "\(kind): mean loss along the curve")
            let dot = zip(g, expected).reduce(0) { $0 + Double($1.0) * $1.1 }
            let ng = g.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot(), ne = expected.reduce(0) { $0 + $1 * $1 }.squareRoot()
            XCTAssertGreaterThan(ne, 0.1, "\(kind): the fixture's gradient is not negligible")
            XCTAssertGreaterThanOrEqual(dot / (ng * ne), 0.9999, "\(kind): cosine")
            XCTAssertEqual(ng, ne, accuracy: 1e-2 * ne, "\(kind): norm (the fixture holds bfloat16)")
        }
    }
}
