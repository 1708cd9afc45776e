import Foundation
import TestSupport
import XCTest

/// The explorer in a real terminal (tmux) under stress: scripts/tui-stress.sh resizes it 50 times
/// while it trains and types 1,000 random keys, under xterm-256color, vt100, linux and with no
/// UTF-8 locale; it must keep running, quit cleanly and restore the terminal.
final class TerminalStressTests: XCTestCase {
    func testExplorerSurvivesResizesAndRandomKeys() throws {
        guard let binary = mpoBinary, fashionMNISTAvailable else { throw XCTSkip("needs the mpo binary and Fashion-MNIST") }
        guard Tmux.available else { throw XCTSkip("needs tmux") }
        let s = try TemporaryFolder()
        defer { withExtendedLifetime(s) {} }
        let env = ProcessInfo.processInfo.environment
        let child = try ChildProcess(
            "/bin/bash", [packageRoot + "/scripts/tui-stress.sh", binary],
            environment: ["KEYS": env["KEYS"] ?? "1000", "RESIZES": env["RESIZES"] ?? "50"], output: s.file("stress.out"))
        let status = child.wait(timeout: 600)
        print(child.output.split(separator: "\n").filter { $0.hasPrefix("tui-stress:") }.joined(separator: "\n"))
        XCTAssertEqual(status, 0, child.output)
    }
}
