import Foundation
import TestSupport
import XCTest
@testable import Engine
@testable import MPO

/// Saving into a full disk, a read-only folder or one without permission: a clear message, the
/// previous save intact, no half-written file, and training goes on.
final class SaveFailureTests: XCTestCase {
    var mounts: [String] = []

    override func tearDown() { unmountAll() }

    func unmountAll() {
        for m in mounts.reversed() { shell("umount '\(m)' || umount -l '\(m)'") }
        mounts = []
    }

    /// Mounts a tmpfs of `kilobytes` over `path` (root only; the test is skipped elsewhere).
    func mountTmpfs(_ path: String, kilobytes: Int, readOnly: Bool = false) throws {
        guard canMount else { throw XCTSkip("mounting a tmpfs needs root") }
        XCTAssertEqual(shell("mount -t tmpfs -o size=\(kilobytes)k\(readOnly ? ",ro" : "") tmpfs '\(path)'"), 0)
        mounts.append(path)
    }

    func errorMessages(_ s: Session.Snapshot) -> [String] { s.messages.filter(\.isError).map(\.text) }

    /// A write that would go past the file-size limit fails as a full disk does (EFBIG instead of
    /// ENOSPC): no root needed. The session reports it and trains on.
    func testFileSizeLimitFailsSaveAndTrainingGoesOn() throws {
        let s = try TemporaryFolder()
        defer { unmountAll(); withExtendedLifetime(s) {} }
        let home = try s.makeHome()
        let session = SessionDriver.start(home: home)
        defer { session.stop() }
        session.waitFor("some steps") { $0.training.step >= 2 }
        session.send(.save(name: "first"))
        session.waitFor("a good save") { $0.training.lastSavedPath != nil }
        let good = FileManager.default.contents(atPath: home + "/Checkpoints/first.safetensors")

        signal(SIGXFSZ, SIG_IGN)
        var old = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &old)
        var small = old
        small.rlim_cur = 4096
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &small)
        session.send(.save(name: "first"))
        let failed = session.waitFor("the failure") { !self.errorMessages($0).isEmpty }
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &old)
        signal(SIGXFSZ, SIG_DFL)

        let message = try XCTUnwrap(errorMessages(failed).last)
        XCTAssertTrue(message.contains("save failed") && message.contains("File too large") && message.contains("training goes on"), message)
        XCTAssertEqual(FileManager.default.contents(atPath: home + "/Checkpoints/first.safetensors"), good, "the previous save is intact")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: home + "/Checkpoints"), ["first.safetensors"], "no partial file")
        session.waitFor("training to go on") { $0.training.step >= failed.training.step + 3 && $0.status == .training }
    }

    /// Checkpoints/ on a real, nearly full file system, then a read-only one.
    func testFullAndReadOnlyFileSystems() throws {
        let s = try TemporaryFolder()
        defer { unmountAll(); withExtendedLifetime(s) {} }
        let home = try s.makeHome()
        let folder = home + "/Checkpoints"
        try mountTmpfs(folder, kilobytes: 160)  // one tiny-preset checkpoint (~95 KB) fits, two do not
        let session = SessionDriver.start(home: home)
        defer { session.stop() }
        session.waitFor("some steps") { $0.training.step >= 2 }
        session.send(.save(name: "one"))
        session.waitFor("a good save") { $0.training.lastSavedPath != nil }
        let good = FileManager.default.contents(atPath: folder + "/one.safetensors")
        for name in ["two", "one"] {  // a new file, and replacing the good one: both need room
            let before = errorMessages(session.snapshot).count
            session.send(.save(name: name))
            let failed = session.waitFor("the failure to save \(name)") { self.errorMessages($0).count > before }
            let message = errorMessages(failed).last!
            XCTAssertTrue(message.contains("No space left on device") && message.contains("training goes on"), message)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["one.safetensors"], "no partial file")
            XCTAssertEqual(FileManager.default.contents(atPath: folder + "/one.safetensors"), good)
            session.waitFor("training to go on") { $0.training.step >= failed.training.step + 2 }
        }
        XCTAssertEqual(shell("mount -o remount,ro '\(folder)'"), 0)
        let before = errorMessages(session.snapshot).count
        session.send(.save(name: nil))
        let failed = session.waitFor("the read-only failure") { self.errorMessages($0).count > before }
        XCTAssertTrue(errorMessages(failed).last!.contains("Read-only file system"), errorMessages(failed).last!)
        session.waitFor("training to go on") { $0.training.step >= failed.training.step + 2 }
        XCTAssertNoThrow(try Checkpoint.read(path: folder + "/one.safetensors"))
    }

    /// `mpo train` autosaving into a folder it may not write (run as `nobody`), then into a full
    /// disk: each autosave failure is a warning, training runs to the end, the final save's
    /// failure is the exit status.
    func testTrainCommandWarnsAndTrainsOn() throws {
        guard let binary = mpoBinary, fashionMNISTAvailable else { throw XCTSkip("needs the mpo binary and Fashion-MNIST") }
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
            throw XCTSkip("needs root and setpriv to run as another user")
        }
        let s = try TemporaryFolder()
        defer { unmountAll(); withExtendedLifetime(s) {} }
        let home = try s.makeHome()
        chmod(s.path, 0o755)
        _ = shell("chmod -R a+rX '\(s.path)'; chmod 755 '\(home)/Checkpoints'")
        let arguments = ["train", "ring", "--preset", "tiny", "--steps", "6", "--autosave", "2", "--save", "denied",
                         "--eval-images", "20", "--preview-every", "0"]
        var (code, output) = try runMPO(
            ["--reuid=65534", "--regid=65534", "--clear-groups", binary] + arguments, environment: ["LOSSPATTERNS_HOME": home], in: s,
            via: "/usr/bin/setpriv")
        XCTAssertEqual(code, 1, output)
        XCTAssertEqual(output.components(separatedBy: "warning: autosave failed").count - 1, 2, output)
        XCTAssertTrue(output.contains("Permission denied") && output.contains("training goes on"), output)
        XCTAssertTrue(output.contains("step     6/6"), "training ran to the end: \(output)")
        XCTAssertTrue(output.contains("the final save failed"), output)

        try mountTmpfs(home + "/Checkpoints", kilobytes: 64)
        (code, output) = try runMPO(arguments, environment: ["LOSSPATTERNS_HOME": home], in: s)
        XCTAssertEqual(code, 1, output)
        XCTAssertTrue(output.contains("No space left on device") && output.contains("training goes on"), output)
        XCTAssertTrue(output.contains("step     6/6"), output)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: home + "/Checkpoints"), [], "no partial file")
    }
}
