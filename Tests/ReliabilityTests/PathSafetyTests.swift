import Foundation
import TestSupport
import XCTest
@testable import Engine
@testable import MPO

/// Names typed by a person (UI prompts, `--save`) never write outside Patterns/ or Checkpoints/:
/// no `..`, no absolute paths, no writing through symbolic links, whatever the name.
final class PathSafetyTests: XCTestCase {
    func contents(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { [UInt8]($0) } }

    /// Every file under `root` with its bytes (links listed by target, not followed).
    func tree(_ root: String) -> [String: String] {
        var out: [String: String] = [:]
        let fm = FileManager.default
        for rel in (fm.subpaths(atPath: root) ?? []) {
            let p = root + "/" + rel
            if let target = try? fm.destinationOfSymbolicLink(atPath: p) { out[rel] = "-> " + target; continue }
            var isDir: ObjCBool = false
            _ = fm.fileExists(atPath: p, isDirectory: &isDir)
            out[rel] = isDir.boolValue ? "dir" : String(describing: contents(p)?.hashValue ?? 0)
        }
        return out
    }

    func testHostileNamesAreRefused() throws {
        let s = try TemporaryFolder()
        defer { withExtendedLifetime(s) {} }
        let folder = s.file("Checkpoints")
        try SafeName.ensureFolder(folder)
        let hostile = [
            "", "   ", "..", "../x", "../../etc/passwd", "a/../../b", "/etc/passwd", "/tmp/x", "a\\b", "..\\..\\x", ".hidden",
            "-rf", "x..y", "name\n", "nul\u{0}byte", "ünïcode", "a b", String(repeating: "a", count: 81), "~", "~root/x",
            "$(touch pwned)", "a;b", "%2e%2e%2fx", "a\u{FF0F}b", "\u{202E}txt.exe", ".safetensors", "..safetensors", "./x", "x/",
        ]
        for name in hostile {
            XCTAssertThrowsError(try SafeName.path(for: name, extension: "safetensors", in: folder), name.debugDescription) {
                XCTAssertTrue($0 is DataError, "\(name.debugDescription): \($0)")
            }
        }
        for (name, file) in [("run1", "run1.safetensors"), ("run-1_b.v2", "run-1_b.v2.safetensors"), ("x.safetensors", "x.safetensors"), ("  padded ", "padded.safetensors")] {
            XCTAssertEqual(try SafeName.path(for: name, extension: "safetensors", in: folder), folder + "/" + file)
        }
    }

    /// Random names over an alphabet full of path syntax: each is refused or lands directly in the folder.
    func testRandomNamesStayInTheFolder() throws {
        let s = try TemporaryFolder()
        defer { withExtendedLifetime(s) {} }
        let folder = s.file("Patterns")
        try SafeName.ensureFolder(folder)
        let alphabet = Array("./\\~-_ aZ09\u{0}\n\t:*?\"<>|é%$\u{2215}")
        var rng = Xoshiro256(seed: 99)
        var accepted = 0
        for _ in 0..<3000 {
            let name = String((0..<Int(rng.next() % 9)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            guard let path = try? SafeName.path(for: name, extension: "pbm", in: folder) else { continue }
            accepted += 1
            let url = URL(fileURLWithPath: path)
            XCTAssertEqual(url.deletingLastPathComponent().path, folder, name.debugDescription)
            XCTAssertEqual(url.standardizedFileURL.path, path, name.debugDescription)
            XCTAssertFalse(url.lastPathComponent.hasPrefix("."), name.debugDescription)
        }
        XCTAssertGreaterThan(accepted, 10)
    }

    /// A link planted at the target name, a Checkpoints/ folder that is a link, a dangling one:
    /// all refused, and the files they point at are untouched.
    func testSymbolicLinksAreNotWrittenThrough() throws {
        let s = try TemporaryFolder()
        defer { withExtendedLifetime(s) {} }
        let outside = s.file("precious")
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: outside))
        let folder = s.file("Checkpoints")
        try SafeName.ensureFolder(folder)
        try FileManager.default.createSymbolicLink(atPath: folder + "/plane.safetensors", withDestinationPath: outside)
        XCTAssertThrowsError(try SafeName.path(for: "plane", extension: "safetensors", in: folder)) {
            XCTAssertTrue("\($0)".contains("symbolic link"), "\($0)")
        }

        let elsewhere = s.file("elsewhere")
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        let linked = s.file("linked/Checkpoints")
        try FileManager.default.createDirectory(atPath: s.file("linked"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: linked, withDestinationPath: elsewhere)
        XCTAssertThrowsError(try SafeName.ensureFolder(linked)) { XCTAssertTrue("\($0)".contains("symbolic link"), "\($0)") }
        XCTAssertThrowsError(try SafeName.path(for: "x", extension: "safetensors", in: linked)) { XCTAssertTrue("\($0)".contains("symbolic link"), "\($0)") }
        XCTAssertThrowsError(try SafeName.path(for: "x", extension: "safetensors", in: linked + "/")) { XCTAssertTrue("\($0)".contains("symbolic link"), "\($0)") }

        let dangling = s.file("dangling/Checkpoints")
        try FileManager.default.createDirectory(atPath: s.file("dangling"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: s.file("nowhere/deeper"))
        XCTAssertThrowsError(try SafeName.ensureFolder(dangling))
        XCTAssertFalse(FileManager.default.fileExists(atPath: s.file("nowhere")))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: elsewhere), [])
        XCTAssertEqual(contents(outside), Array("keep me".utf8))

        // A link among the folder's ancestors is the user's own layout (a home on another disk): fine.
        try FileManager.default.createDirectory(atPath: s.file("real/Checkpoints"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: s.file("home"), withDestinationPath: s.file("real"))
        XCTAssertEqual(try SafeName.path(for: "ok", extension: "safetensors", in: s.file("home/Checkpoints")), s.file("home/Checkpoints/ok.safetensors"))
    }

    /// The session's save (the UI's `s` and save prompt) with hostile names writes nothing outside
    /// Checkpoints/ and reports each refusal; a link planted mid-session is refused too.
    func testSessionSavesStayInCheckpoints() throws {
        let s = try TemporaryFolder()
        defer { withExtendedLifetime(s) {} }
        let home = try s.makeHome()
        let outside = s.file("precious")
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: outside))
        try FileManager.default.createSymbolicLink(atPath: home + "/Checkpoints/trap.safetensors", withDestinationPath: outside)
        let session = SessionDriver.start(home: home, paused: true)
        defer { session.stop() }
        session.waitFor("ready") { $0.status == .paused }
        let before = tree(s.path)
        let names = ["../escape", "/tmp/lp-escape-\(getpid())", "..", "a/b", ".hidden", "trap", "-x", "ok\u{1B}[2J"]
        for (k, name) in names.enumerated() {
            session.send(.save(name: name))
            let snap = session.waitFor("refusal of \(name.debugDescription)") { $0.messages.filter(\.isError).count > k }
            XCTAssertTrue(snap.messages.last!.text.contains("save failed"), snap.messages.last!.text)
        }
        XCTAssertEqual(tree(s.path), before, "nothing written anywhere")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/lp-escape-\(getpid()).safetensors"))
        XCTAssertEqual(contents(outside), Array("keep me".utf8))
        session.send(.save(name: "fine"))
        let saved = session.waitFor("a good save") { $0.training.lastSavedPath != nil }
        XCTAssertEqual(saved.training.lastSavedPath, home + "/Checkpoints/fine.safetensors")
    }

    /// The temporary file of an atomic write is created exclusively, never through a link: a link
    /// planted under its (predictable) name is replaced, not followed.
    func testAtomicWriteIgnoresALinkAtItsTemporaryName() throws {
        let s = try TemporaryFolder()
        defer { withExtendedLifetime(s) {} }
        let outside = s.file("precious")
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: outside))
        let target = s.file("plane.safetensors")
        let temporary = s.file(AtomicFile.temporaryName("plane.safetensors", pid: getpid()))
        try FileManager.default.createSymbolicLink(atPath: temporary, withDestinationPath: outside)
        try AtomicFile.write([1, 2, 3], to: target)
        XCTAssertEqual(contents(target), [1, 2, 3])
        XCTAssertEqual(contents(outside), Array("keep me".utf8))
        XCTAssertNil(try? FileManager.default.destinationOfSymbolicLink(atPath: temporary))
        // An explicit path that is a link: the link itself is replaced, its target untouched.
        let link = s.file("link.safetensors")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: outside)
        try AtomicFile.write([4], to: link)
        XCTAssertEqual(contents(outside), Array("keep me".utf8))
        XCTAssertEqual(contents(link), [4])
    }

    /// Temporaries left by killed writers are cleaned up by the next write; a live writer's stays.
    func testStaleTemporariesAreRemoved() throws {
        let s = try TemporaryFolder()
        defer { withExtendedLifetime(s) {} }
        let target = s.file("plane.safetensors")
        var dead: pid_t = 0
        let child = try ChildProcess("/bin/true", [], output: "/dev/null")
        child.wait()
        dead = child.pid
        for pid in [dead, 1] { try Data([9]).write(to: URL(fileURLWithPath: s.file(AtomicFile.temporaryName("plane.safetensors", pid: pid)))) }
        try Data([9]).write(to: URL(fileURLWithPath: s.file(".other.safetensors.\(dead).tmp")))
        try AtomicFile.write([1], to: target)
        let left = try FileManager.default.contentsOfDirectory(atPath: s.path).sorted()
        XCTAssertEqual(left, [".other.safetensors.\(dead).tmp", ".plane.safetensors.1.tmp", "plane.safetensors"])
    }
}
