import Foundation
import TestSupport
import XCTest
@testable import Engine
@testable import MPO

/// The real binary, killed with SIGKILL at random moments while it autosaves every step. After
/// every kill the checkpoint either does not exist yet or loads cleanly, and once a good one has
/// existed a good one always exists; each run resumes from it, so its step never goes back.
final class KillTests: XCTestCase {
    func testSIGKILLNeverLeavesABrokenCheckpoint() throws {
        guard mpoBinary != nil else { throw XCTSkip("no mpo binary (make test builds it; or set MPO_BINARY)") }
        guard fashionMNISTAvailable else { throw XCTSkip("needs dataset-fashion-mnist") }
        let s = try TemporaryFolder()
        defer { withExtendedLifetime(s) {} }
        let home = try s.makeHome()
        let path = home + "/Checkpoints/kill.safetensors"
        let kills = Int(ProcessInfo.processInfo.environment["KILLS"] ?? "") ?? 24
        var rng = Xoshiro256(seed: UInt64(ProcessInfo.processInfo.environment["SEED"] ?? "") ?? UInt64(Date().timeIntervalSince1970))
        var lastStep: Int?
        var advanced = 0, survived = 0
        for round in 0..<kills {
            var arguments = ["train", "ring", "--preset", "tiny", "--steps", "100000", "--save", "kill", "--autosave", "1",
                             "--eval-images", "20", "--preview-every", "0", "--workers", "1"]
            if lastStep != nil { arguments += ["--resume", "kill"] }
            let child = try ChildProcess(try XCTUnwrap(mpoBinary), arguments, environment: ["LOSSPATTERNS_HOME": home],
                                         output: s.file("run-\(round).out"), directory: s.path)
            // Odd rounds kill at any moment of the first 4 s (start-up included); even rounds wait
            // for this run's first save (a new version at the path) and then kill within 0.5 s, in
            // the thick of the saves.
            let start = Date()
            var delay = Double(rng.next() % 4000) / 1000
            if round % 2 == 0 {
                let before = version(path)
                while version(path) == before, Date().timeIntervalSince(start) < 60, waitpid(child.pid, nil, WNOHANG) == 0 { usleep(2_000) }
                delay = Date().timeIntervalSince(start) + Double(rng.next() % 500) / 1000
            }
            let wait = delay - Date().timeIntervalSince(start)
            if wait > 0 { usleep(useconds_t(wait * 1e6)) }
            child.kill(SIGKILL)
            let status = child.wait()
            XCTAssertTrue((status & 0x7F) == SIGKILL || lastStep == nil, "round \(round): exited before the kill: \(child.output)")
            if (status & 0x7F) == SIGKILL { survived += 1 }

            let exists = FileManager.default.fileExists(atPath: path)
            if lastStep != nil { XCTAssertTrue(exists, "round \(round): a good checkpoint existed and is gone") }
            guard exists else { continue }
            do {
                let c = try Checkpoint.read(path: path)
                XCTAssertTrue(c.state.plane.parameters.allSatisfy(\.isFinite))
                if let lastStep { XCTAssertGreaterThanOrEqual(c.step, lastStep, "round \(round): the saved step went back") }
                if c.step != lastStep { advanced += 1 }
                lastStep = c.step
            } catch {
                return XCTFail("round \(round), killed after \(String(format: "%.2f", delay)) s: the checkpoint does not load: \(error)")
            }
            let temporaries = try FileManager.default.contentsOfDirectory(atPath: home + "/Checkpoints").filter { $0.hasSuffix(".tmp") }
            XCTAssertLessThanOrEqual(temporaries.count, 1, "stale temporaries are cleaned up: \(temporaries)")
        }
        XCTAssertNotNil(lastStep, "no checkpoint was ever written")
        print("killed \(survived) of \(kills) runs with SIGKILL; the checkpoint moved on in \(advanced) rounds, last step \(lastStep ?? -1)")
    }

    /// Which version of the file is there: inode (each atomic save makes a new one) and
    /// modification time; zeros when there is none.
    func version(_ path: String) -> [Int] {
        var info = stat()
        guard stat(path, &info) == 0 else { return [0, 0, 0] }
        return [Int(info.st_ino), info.st_mtim.tv_sec, info.st_mtim.tv_nsec]
    }
}
