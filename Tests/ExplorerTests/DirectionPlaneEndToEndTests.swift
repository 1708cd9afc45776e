import Engine
import Foundation
import TestSupport
import XCTest
@testable import MPO

/// A plane of fixed directions in the real binary, in tmux: `mpo view` of a three-model plane
/// shows (α, β) coordinates, its marker letters on the map and says "fixed plane" to the keys
/// that would train.
final class DirectionPlaneEndToEndTests: XCTestCase {
    var binary: String { RealBinary.path }

    func testViewOfAThreeModelPlaneInTmux() throws {
        try RealBinary.skipUnlessReady()
        let folders = try Fixtures.folders(self)
        let path = try Fixtures.threeModelPlane(in: folders)  // markers A, B, C

        let tmux = Tmux()
        try tmux.startProgram(binary, "view \(path) --eval-images 32", home: folders.root, width: 120, height: 40)

        let screen = try tmux.wait("the (α, β) cursor, a complete map and a marker letter on it", timeout: 90) { s in
            guard s.contains("(α, β)"), s.contains("picture: fixed plane") else { return false }
            // the map is the part of each line left of the panel's frame
            return s.split(separator: "\n").contains { line in
                let map = line.split(separator: "│", maxSplits: 1).first ?? ""
                return map.contains("▀") && (map.contains("B") || map.contains("C"))
            }
        }
        XCTAssertTrue(screen.contains("models plane three"), screen)
        XCTAssertTrue(screen.contains("training  none: fixed plane"), screen)
        XCTAssertNotNil(screen.line(containing: "(α, β)    (0.000, 0.000)"), "the cursor starts on the origin: \(screen)")
        XCTAssertNotNil(screen.line(containing: "marker    at A"), screen)
        XCTAssertFalse(screen.contains("Pattern gap"), "no pattern gap on a fixed plane")

        // the cursor moves in α: one sample right
        try tmux.send("l")
        try tmux.wait("the cursor to move in α") { ($0.line(containing: "(α, β)") ?? "").contains("(0.000, 0.000)") == false }
        // keys that would train say why not
        try tmux.send("Space")
        try tmux.wait(for: "fixed plane: nothing trains")
        try tmux.send("b")
        try tmux.wait(for: "fixed plane: nothing trains")

        try tmux.send("q")
        try tmux.wait(for: "EXIT=0")
        XCTAssertEqual(try tmux.display("#{alternate_on}"), "0", "left the alternate screen")
    }

    /// A plane around a PyTorch-trained BatchNorm net carries its running statistics: the panel
    /// says the map uses them, and `--bn-stats batch` switches to the batch's.
    func testPanelSaysWhichBatchNormStatisticsAFixedPlaneUses() throws {
        try RealBinary.skipUnlessReady()
        let folders = try Fixtures.folders(self)
        let model = try ModelFile.read(path: packageRootFolder + "/Tests/Fixtures/torch/bn-stats.safetensors")
        let plane = DirectionPlane.random(
            origin: model.weights, statistics: model.statistics, net: model.net, dataset: .fashionMNIST, norm: .filter, ignoreBiasBN: true,
            seed: 1, sources: ["bn-stats.safetensors"])
        let path = folders.checkpoints + "/bn-random.safetensors"
        try plane.write(to: path)
        for (arguments, shown) in [("", "on, running statistics"), (" --bn-stats batch", "on, batch statistics")] {
            let tmux = Tmux()
            try tmux.startProgram(binary, "view \(path) --eval-images 16\(arguments)", home: folders.root, width: 120, height: 40)
            let screen = try tmux.wait("the panel's BN line", timeout: 90) { $0.line(containing: "BN        on, ") != nil }
            XCTAssertTrue(screen.line(containing: "BN        on, ")!.contains(shown), screen)
            try tmux.send("q")
            try tmux.wait(for: "EXIT=0")
        }
    }

    /// A Hessian plane opens like any fixed plane, and the panel shows its eigenvalues.
    func testViewOfAHessianPlaneShowsItsEigenvalues() throws {
        try RealBinary.skipUnlessReady()
        let folders = try Fixtures.folders(self)
        var rng = Xoshiro256(seed: 5)
        let weights = ParameterLayout(.small).initialWeights(using: &rng)
        let images = try DatasetKind.fashionMNIST.load(.train).prefix(64)
        let top = try HessianSpectrum(net: .small, weights: weights, data: images).top(k: 2)
        let plane = DirectionPlane.hessian(
            origin: weights, net: .small, dataset: .fashionMNIST, eigenvalues: top.values, directions: top.vectors, images: 64,
            split: .train, seed: 0, sources: ["init"])
        let path = folders.checkpoints + "/sharp.safetensors"
        try plane.write(to: path)

        let tmux = Tmux()
        try tmux.startProgram(binary, "view \(path) --eval-images 32", home: folders.root, width: 120, height: 44)
        let screen = try tmux.wait("the panel's Hessian eigenvalues", timeout: 90) { $0.contains("Hessian eigenvalues") && $0.contains("λ2 (d2)") }
        XCTAssertTrue(screen.contains("hessian plane sharp"), screen)
        XCTAssertNotNil(screen.line(containing: "λ1 (d1)"), screen)
        XCTAssertNotNil(screen.line(containing: "64 train images"), screen)
        try tmux.send("q")
        try tmux.wait(for: "EXIT=0")
    }

    /// E at the cursor: the panel's curvature row goes from its hint to a running estimate to the
    /// Hessian's top eigenvalue on the map's split, while the explorer keeps answering keys.
    func testCurvatureKeyShowsTheTopEigenvalueAtTheCursor() throws {
        try RealBinary.skipUnlessReady()
        let folders = try Fixtures.folders(self)
        let path = try Fixtures.threeModelPlane(in: folders)
        let tmux = Tmux()
        try tmux.startProgram(binary, "view \(path) --eval-images 32", home: folders.root, width: 120, height: 44)
        let before = try tmux.wait("the curvature hint", timeout: 90) { $0.line(containing: "curvature ") != nil && $0.contains("picture: fixed plane") }
        XCTAssertTrue(before.line(containing: "curvature ")!.contains("E for the sharpness"), before)
        try tmux.send("E")
        let done = try tmux.wait("λ1 at the cursor", timeout: 120) { ($0.line(containing: "curvature ") ?? "").contains("(test, 32 img)") }
        let row = done.line(containing: "curvature ")!
        let number = row.split(separator: " ").compactMap { Double($0) }.first
        XCTAssertNotNil(number, row)
        XCTAssertTrue(number.map { $0.isFinite && $0 > 0 } ?? false, "a net at initialisation has positive top curvature: \(row)")
        // the value belongs to the cursor's position: moving away drops it back to the hint
        try tmux.send("l")
        try tmux.wait("the hint again after the cursor moved") { ($0.line(containing: "curvature ") ?? "").contains("E for the sharpness") }
        try tmux.send("q")
        try tmux.wait(for: "EXIT=0")
    }
}
