import Engine
import Foundation
@testable import MPO
import TestSupport
import XCTest

/// The Hessian against PyTorch's double backward (scripts/make-hessian-fixture.py): the paper net
/// and a BatchNorm net (batch statistics, as train mode computes them), both trained in PyTorch
/// (Tests/Fixtures/torch), on the first 256 FashionMNIST test images: the top two eigenvalues,
/// and H·z with zᵀHz for one Rademacher probe z (one term of Hutchinson's trace).
final class HessianParityTests: XCTestCase {
    static let folder = packageRootFolder + "/Tests/Fixtures/torch"

    struct Case {
        var spectrum: HessianSpectrum
        var fixture: Safetensors
        var path: String
    }

    func open(_ name: String, method: HessianVectorProduct.Method = .exact, step: Float = 3e-3) throws -> Case {
        let test = try XCTUnwrap(try? DatasetKind.fashionMNIST.load(.test), "FashionMNIST is needed at \(DatasetKind.debianFashionMNIST)")
        let path = Self.folder + "/hessian.safetensors"
        let fixture = try Safetensors.read(path: path)
        let net = try ModelSpec(parsing: try XCTUnwrap(fixture.metadata["\(name).net"]))
        let model = try ModelFile.read(path: Self.folder + "/\(name)-net.safetensors", net: net)
        let images = test.prefix(Int(try XCTUnwrap(fixture.metadata["images"].flatMap(Int.init))))
        return Case(spectrum: try HessianSpectrum(net: net, weights: model.weights, data: images, method: method, step: step), fixture: fixture, path: path)
    }

    func checkTopEigenvalues(_ name: String) throws {
        let c = try open(name)
        let expected = try c.fixture.tensor("\(name).eigenvalues", in: c.path).doubles()
        let top = try c.spectrum.top(k: 2, tolerance: 1e-4)
        XCTAssertTrue(top.converged, "\(name): Lanczos converged")
        for i in 0..<2 {
            // The issue asks for 1%; exact products in fp32 come within about 1e-5.
            XCTAssertEqual(top.values[i], expected[i], accuracy: 1e-3 * abs(expected[i]), "\(name): λ\(i + 1)")
        }
        XCTAssertGreaterThan(expected[0], expected[1])
    }

    func checkProduct(_ name: String) throws {
        let c = try open(name)
        let z = try c.fixture.tensor("\(name).probe", in: c.path).floats()
        let expected = try c.fixture.tensor("\(name).hessian_probe", in: c.path).doubles()
        let quadratic = try c.fixture.tensor("\(name).probe_quadratic", in: c.path).doubles()[0]
        XCTAssertTrue(z.allSatisfy { $0 == 1 || $0 == -1 })
        let hz = c.spectrum.product.apply(z)
        let dot = zip(hz, expected).reduce(0) { $0 + Double($1.0) * $1.1 }
        let ours = hz.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot(), theirs = expected.reduce(0) { $0 + $1 * $1 }.squareRoot()
        XCTAssertGreaterThanOrEqual(dot / (ours * theirs), 0.9999, "\(name): cosine of H·z")
        XCTAssertEqual(ours, theirs, accuracy: 1e-2 * theirs, "\(name): |H·z| (the fixture holds bfloat16)")
        XCTAssertEqual(Lanczos.dot(z, hz), quadratic, accuracy: 1e-4 * abs(quadratic), "\(name): zᵀHz")
    }

    func testPaperNetTopEigenvaluesMatchPyTorch() throws { try checkTopEigenvalues("paper") }

    func testBatchNormNetTopEigenvaluesMatchPyTorch() throws { try checkTopEigenvalues("bn") }

    func testPaperNetProductMatchesPyTorch() throws { try checkProduct("paper") }

    func testBatchNormNetProductMatchesPyTorch() throws { try checkProduct("bn") }

    /// Why the products are exact: central differences of the gradient land near the paper net's
    /// top eigenvalue at a step of 1e-2 (so they are implemented right), but miss the BatchNorm
    /// net's by more than 1% at some step of three (a pool winner or ReLU switching between
    /// w ± εu adds a jump of order 1/ε that no ε removes). Measured, not wished: if they ever
    /// agree to 1% at all three steps, this fails and the README's table needs a new look.
    func testCentralDifferencesAreNearButNotWithinOnePercent() throws {
        let paper = try open("paper", method: .differences, step: 1e-2)
        let expected = try paper.fixture.tensor("paper.eigenvalues", in: paper.path).doubles()[0]
        XCTAssertEqual(try paper.spectrum.top(k: 1, tolerance: 1e-4).values[0], expected, accuracy: 0.02 * expected)
        let bn = try open("bn").fixture.tensor("bn.eigenvalues", in: Self.folder + "/hessian.safetensors").doubles()[0]
        var errors: [Double] = []
        for step: Float in [1e-2, 3e-3, 1e-3] {
            let top = try open("bn", method: .differences, step: step).spectrum.top(k: 1, tolerance: 1e-4)
            errors.append(abs(top.values[0] / bn - 1))
        }
        XCTAssertGreaterThan(errors.max()!, 0.01, "relative errors \(errors)")
    }
}
