import Foundation
import TestSupport
import XCTest
import Engine
@testable import MPO

/// The real binary in tmux, closed the hard ways while it trains: the window is killed (SIGHUP,
/// as closing a terminal or a dropped ssh connection does) or the process is (SIGKILL, as an
/// out-of-memory kill or a power cut would be). Starting `mpo` again offers the plane; resuming
/// opens it with the steps its recovery file holds.
final class RecoveryEndToEndTests: XCTestCase {
    var binary: String { RealBinary.path }

    func start(_ folders: ProjectFolders) throws -> Tmux {
        let tmux = Tmux()
        try tmux.startProgram(binary, "explore ring12 --preset tiny --eval-images 32", home: folders.root, width: 120, height: 40)
        return tmux
    }

    /// The step the side panel shows.
    func panelStep(_ screen: String) -> Int? {
        guard let line = screen.line(containing: "│ step ") else { return nil }
        let after = line.components(separatedBy: "│ step ").last ?? ""
        return Int(after.trimmingCharacters(in: .whitespaces).prefix { $0.isNumber || $0 == "," }.filter(\.isNumber))
    }

    func recoveryFiles(_ folders: ProjectFolders) -> [String] {
        let folder = folders.checkpoints + "/recovery"
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".safetensors") }.map { folder + "/" + $0 }
    }

    /// Polls until an ended session is offered (its process is gone and its lock free).
    func waitForEndedSession(_ folders: ProjectFolders, timeout: Double = 30) throws -> RecoveredSession {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let ended = RecoveredSession.list(in: folders).first { return ended }
            usleep(50_000)
        }
        XCTFail("no ended session in \(folders.checkpoints)/recovery: \(recoveryFiles(folders))")
        throw TmuxError(description: "no recovery")
    }

    /// Starts again, resumes, checks the plane opened at `step`, quits without saving.
    func resume(_ folders: ProjectFolders, expecting plane: RecoveredSession.Plane) throws {
        let tmux = try start(folders)
        try tmux.wait(for: "A session ended without saving", timeout: 60)
        try tmux.wait(for: "\(plane.patternName), plain, \(plane.step) steps")
        try tmux.send("r")
        let screen = try tmux.wait(for: "recovered \(plane.patternName)", timeout: 60)
        XCTAssertEqual(panelStep(screen), plane.step, screen)
        XCTAssertTrue(screen.line(0).contains("paused"), "opens paused: \(screen.line(0))")
        try tmux.send("q")
        try tmux.wait(for: "\(plane.unsavedSteps) trained steps of the plain plane are not saved")
        try tmux.send("q")
        try tmux.wait(for: "EXIT=0")
        XCTAssertTrue(recoveryFiles(folders).isEmpty, "quitting without saving removes them: \(recoveryFiles(folders))")
        XCTAssertTrue(RecoveredSession.list(in: folders).isEmpty)
    }

    func testClosingTheWindowKeepsThePlane() throws {
        try RealBinary.skipUnlessReady()
        let folders = try Fixtures.folders(self)
        let tmux = try start(folders)
        try tmux.wait(for: "picture: step", timeout: 90)
        let screen = try tmux.wait("40 steps", timeout: 60) { (self.panelStep($0) ?? 0) >= 40 }
        let seen = try XCTUnwrap(panelStep(screen))
        try tmux.run(["kill-window", "-t", tmux.target])  // SIGHUP, as closing the terminal
        let ended = try waitForEndedSession(folders)
        let plane = try XCTUnwrap(ended.planes.first)
        XCTAssertGreaterThanOrEqual(plane.step, seen, "written on the hang-up, not some time before")
        XCTAssertEqual(plane.unsavedSteps, plane.step)
        XCTAssertNoThrow(try Checkpoint.read(path: plane.path))
        try resume(folders, expecting: plane)
    }

    func testAKilledProcessLosesAtMostTheLastInterval() throws {
        try RealBinary.skipUnlessReady()
        let folders = try Fixtures.folders(self)
        let tmux = try start(folders)
        try tmux.wait(for: "picture: step", timeout: 90)
        // the first recovery file comes after 200 steps (or 30 s)
        let deadline = Date().addingTimeInterval(90)
        while recoveryFiles(folders).isEmpty && Date() < deadline { usleep(50_000) }
        let file = try XCTUnwrap(recoveryFiles(folders).first, "no recovery file after 90 s of training")
        let pid = try XCTUnwrap(pid_t((file as NSString).lastPathComponent.split(separator: "-").first ?? ""))
        try tmux.wait("a few more steps", timeout: 60) { (self.panelStep($0) ?? 0) >= 220 }
        kill(pid, SIGKILL)
        let killed = Date()
        let ended = try waitForEndedSession(folders)
        let plane = try XCTUnwrap(ended.planes.first)
        XCTAssertLessThanOrEqual(killed.timeIntervalSince(plane.written), 31, "at most one interval (30 s) lost")
        XCTAssertGreaterThanOrEqual(plane.step, 200)
        try tmux.run(["kill-server"])
        try resume(folders, expecting: plane)
    }
}
