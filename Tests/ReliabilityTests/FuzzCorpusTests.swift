import Engine
import Foundation
import MPO
import TestSupport
import XCTest

/// The fuzzers' seeds and every input that ever broke a reader (Fuzz/corpus, Fuzz/crashes),
/// replayed through the same harness the fuzzers use (scripts/fuzz.sh runs the long searches).
final class FuzzCorpusTests: XCTestCase {
    typealias Reader = ReaderHarness.Reader

    func files(_ kind: String, _ reader: Reader) -> [String] {
        let dir = "\(packageRoot)/Fuzz/\(kind)/\(reader.rawValue)"
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
            .filter { !$0.hasPrefix(".") }.map { "\(dir)/\($0)" }
    }

    /// Seeds load, `bad-` seeds are refused with a DataError; nothing traps.
    func testSeedCorpusLoadsOrIsRefusedAsNamed() throws {
        let scratch = try TemporaryFolder()
        defer { withExtendedLifetime(scratch) {} }
        for reader in Reader.allCases {
            let seeds = files("corpus", reader)
            XCTAssertGreaterThanOrEqual(seeds.count, 3, "seed corpus for \(reader.rawValue)")
            for path in seeds {
                let name = (path as NSString).lastPathComponent
                let outcome = try ReaderHarness.feed(reader, [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), scratch: scratch.file("in"))
                if name.hasPrefix("bad-") {
                    guard case .refused = outcome else { XCTFail("\(reader.rawValue)/\(name) should be refused"); continue }
                } else {
                    XCTAssertEqual(outcome, .accepted, "\(reader.rawValue)/\(name)")
                }
            }
        }
    }

    /// Inputs the fuzzers found: each now ends in a value or a DataError.
    func testCrashInputsAreHandled() throws {
        let scratch = try TemporaryFolder()
        defer { withExtendedLifetime(scratch) {} }
        var count = 0
        for reader in Reader.allCases {
            for path in files("crashes", reader) {
                _ = try ReaderHarness.feed(reader, [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), scratch: scratch.file("in"))
                count += 1
            }
        }
        print("replayed \(count) crash inputs")
    }

    /// A few seconds of blind mutation in the suite (bit flips, cuts, splices, big numbers
    /// written over headers) — a smoke test between real fuzzing runs.
    func testMutatedSeedsKeepTheContract() throws {
        let scratch = try TemporaryFolder()
        defer { withExtendedLifetime(scratch) {} }
        var rng = Xoshiro256(seed: UInt64(ProcessInfo.processInfo.environment["SEED"] ?? "") ?? 12345)
        func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(rng.next() % UInt64(n)) }
        var runs = 0
        for reader in Reader.allCases {
            let seeds = try files("corpus", reader).map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) }
            guard !seeds.isEmpty else { continue }
            let start = Date()
            for _ in 0..<300 {
                var b = seeds[below(seeds.count)]
                for _ in 0...below(4) {
                    switch below(6) {
                    case 0 where !b.isEmpty: b[below(b.count)] ^= UInt8(1 << below(8))
                    case 1: b = Array(b.prefix(below(b.count + 1)))
                    case 2 where !b.isEmpty: b[below(b.count)] = [0, 0xFF, 0x7F, 0x80][below(4)]
                    case 3:
                        let at = below(min(b.count, 64) + 1)
                        let big: [UInt8] = [[0xFF, 0xFF, 0xFF, 0xFF], [0x7F, 0xFF, 0xFF, 0xFF], [0, 0, 0, 0], [0x80, 0, 0, 0]][below(4)]
                        b.replaceSubrange(at..<min(b.count, at + 4), with: big)
                    case 4: let other = seeds[below(seeds.count)]; b += other.suffix(below(other.count + 1))
                    default:
                        let digits = Array(["999999999999", "-1", "1e309", "0", "18446744073709551615"][below(5)].utf8)
                        if !b.isEmpty { let at = below(b.count); b.replaceSubrange(at..<(at + 1), with: digits) }
                    }
                }
                _ = try ReaderHarness.feed(reader, b, scratch: scratch.file("in"))
                runs += 1
            }
            print("\(reader.rawValue): \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
        }
        print("\(runs) mutated inputs handled")
    }

    /// `RECORD=1` rewrites the hand-made seeds (and copies the real ones this machine has).
    func testRecordSeeds() throws {
        guard ProcessInfo.processInfo.environment["RECORD"] == "1" else { throw XCTSkip("RECORD=1 re-records Fuzz/corpus") }
        try SeedCorpus.record(into: packageRoot + "/Fuzz/corpus")
    }
}
