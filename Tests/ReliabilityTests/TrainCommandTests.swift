import Foundation
import TestSupport
import XCTest
@testable import Engine
@testable import MPO

/// `mpo train --save`: a plain name goes into Checkpoints/ through SafeName; a path with a slash
/// is the user's explicit choice; `--resume` finds a plain name in Checkpoints/ too.
final class TrainCommandTests: XCTestCase {
    let quick = ["--preset", "tiny", "--steps", "3", "--eval-images", "20", "--preview-every", "0"]

    func testSaveNamesGoIntoCheckpoints() throws {
        guard mpoBinary != nil, fashionMNISTAvailable else { throw XCTSkip("needs the mpo binary and Fashion-MNIST") }
        let s = try TemporaryFolder()
        defer { withExtendedLifetime(s) {} }
        let home = try s.makeHome()
        let env = ["LOSSPATTERNS_HOME": home]

        var (code, output) = try runMPO(["train", "ring"] + quick + ["--save", "plain"], environment: env, in: s)
        XCTAssertEqual(code, 0, output)
        XCTAssertEqual(try Checkpoint.read(path: home + "/Checkpoints/plain.safetensors").step, 3)

        (code, output) = try runMPO(["train"] + quick + ["--resume", "plain", "--save", "plain.safetensors"], environment: env, in: s)
        XCTAssertEqual(code, 0, output)
        XCTAssertEqual(try Checkpoint.read(path: home + "/Checkpoints/plain.safetensors").step, 6, "resumed from Checkpoints/plain")

        let explicit = s.file("elsewhere/mine.safetensors")
        try FileManager.default.createDirectory(atPath: s.file("elsewhere"), withIntermediateDirectories: true)
        (code, output) = try runMPO(["train", "ring"] + quick + ["--save", explicit], environment: env, in: s)
        XCTAssertEqual(code, 0, output)
        XCTAssertNoThrow(try Checkpoint.read(path: explicit))

        for bad in ["..", ".hidden", "bad name", "-dash", "x\u{1B}[2J"] {
            (code, output) = try runMPO(["train", "ring"] + quick + ["--save", bad], environment: env, in: s)
            XCTAssertNotEqual(code, 0, "\(bad.debugDescription): \(output)")
            XCTAssertFalse(output.contains("step "), "\(bad.debugDescription) is refused before training: \(output)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: home + "/Checkpoints"), ["plain.safetensors"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: home).sorted(), ["Checkpoints", "Patterns"])

        (code, output) = try runMPO(["train", "--help"], in: s)
        XCTAssertTrue(output.contains("Checkpoints/NAME.safetensors"), output)
    }
}
