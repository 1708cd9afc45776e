import Foundation
import TestSupport
import XCTest
@testable import Engine

/// `--precision auto` decides from measurements: the decision from given timings (not this
/// machine's speed), the candidates a level offers, and a cache that is never trusted.
final class CalibrationTests: XCTestCase {
    let fp32 = Compute(isa: .avx512bf16, precision: .fp32)
    let avx2 = Compute(isa: .avx2, precision: .fp32)
    let bf16 = Compute(isa: .avx512bf16, precision: .bf16)

    func t(_ c: Compute, _ train: Double, _ eval: Double = 10) -> Calibration.Timing {
        Calibration.Timing(compute: c, trainMicroseconds: train, evalMicroseconds: eval)
    }

    func testTheFastestTrainingPathWins() {
        // The Xeon model 207 case: bf16 slower than fp32 (90 vs 67 us per image).
        XCTAssertEqual(Calibration.choose([t(fp32, 67), t(avx2, 88), t(bf16, 90)]), fp32)
        // The Zen 4 case: bf16 1.46x faster.
        XCTAssertEqual(Calibration.choose([t(fp32, 42), t(avx2, 50), t(bf16, 28.7)]), bf16)
        XCTAssertEqual(Calibration.choose([t(fp32, 60), t(avx2, 50), t(bf16, 70)]), avx2)
    }

    func testATieGoesToTheReference() {
        XCTAssertEqual(Calibration.choose([t(fp32, 50), t(bf16, 49)]), fp32)  // within 3 %
        XCTAssertEqual(Calibration.choose([t(fp32, 50), t(bf16, 47)]), bf16)
    }

    func testImplausibleTimingsAreNotChosen() {
        XCTAssertEqual(Calibration.choose([t(fp32, 50), t(bf16, 0)]), fp32)
        XCTAssertEqual(Calibration.choose([t(fp32, 50), t(bf16, .nan)]), fp32)
        XCTAssertEqual(Calibration.choose([t(fp32, 50), t(bf16, -3)]), fp32)
        XCTAssertNil(Calibration.choose([t(fp32, .infinity)]))
        XCTAssertNil(Calibration.choose([]))
    }

    func testCandidatesAreWhatTheLevelRuns() {
        XCTAssertEqual(Calibration.candidates(level: .portable), [Compute(isa: .portable, precision: .fp32)])
        for level in ISA.supported {
            let c = Calibration.candidates(level: level)
            XCTAssertEqual(c.first, Compute(isa: level, precision: .fp32), "\(level)")
            XCTAssertEqual(c.contains { $0.precision == .bf16 }, Compute.bf16Fast(on: level), "\(level)")
            XCTAssertTrue(c.allSatisfy { $0.isa.isSupported }, "\(level)")
        }
    }

    func testSummaryGivesEachOtherPathsSpeedAgainstTheChoice() {
        let r = Calibration.Record(cpu: "x", build: "y", level: .avx512bf16, timings: [t(fp32, 67), t(bf16, 90)], chosen: fp32, measuredAt: Date())
        XCTAssertEqual(r.summary, "fp32 avx512bf16 (measured: bf16 avx512bf16 0.74x)")
    }

    /// A measurement of this machine's real paths: every candidate timed, a plausible choice.
    func testMeasureTimesEveryCandidate() throws {
        let candidates = Calibration.candidates(level: .default)
        let timings = try Calibration.measure(candidates, net: .small, seconds: 0.2)
        XCTAssertEqual(timings.map(\.compute), candidates)
        XCTAssertTrue(timings.allSatisfy { $0.trainMicroseconds > $0.evalMicroseconds && $0.evalMicroseconds > 0 }, "\(timings)")
        XCTAssertNotNil(Calibration.choose(timings))
    }

    func testDamagedOrHostileCachesAreIgnoredWithANote() throws {
        let dir = try temporaryFolder().path
        let path = dir + "/c.json"
        var notes: [String] = []
        let level = ISA.default
        let candidates = Calibration.candidates(level: level)
        let good = Calibration.Record(
            cpu: CPU.modelName, build: UserCache.buildIdentity, level: level,
            timings: candidates.enumerated().map { t($1, 50 + 10 * Double($0)) }, chosen: candidates[0], measuredAt: Date(timeIntervalSince1970: 1_700_000_000))

        Calibration.writeCache(good, to: path, level: level, note: { notes.append($0) })
        XCTAssertEqual(Calibration.readCache(path, level: level, note: { notes.append($0) }), good)
        XCTAssertTrue(notes.isEmpty, "\(notes)")

        var hostile: [(String, Data)] = [
            ("truncated", Data("{\"\(level.rawValue)\": {\"cpu\"".utf8)),
            ("binary", Data([0xff, 0x00, 0x13, 0x37])),
            ("other cpu", try encode({ $0.cpu = "Some Other CPU" }, good, level)),
            ("other build", try encode({ $0.build = "0-0" }, good, level)),
            ("negative time", try encode({ $0.timings[0].trainMicroseconds = -1 }, good, level)),
            ("a path this CPU lacks", try encode({ $0.chosen = Compute(isa: .neon, precision: .fp32) }, good, level)),
            ("a timing of a path that is no candidate", try encode({ $0.timings.append(self.t(Compute(isa: .neon, precision: .bf16), 10)) }, good, level)),
        ]
        // Only where there is a choice can a file make one its own numbers do not back (an
        // AVX2-only CPU has one path: fp32 avx2).
        if candidates.count > 1 {
            hostile.append(("choice against its numbers", try encode({ $0.timings[0].trainMicroseconds = 1e6 }, good, level)))
        }
        for (name, data) in hostile {
            notes = []
            try data.write(to: URL(fileURLWithPath: path))
            XCTAssertNil(Calibration.readCache(path, level: level, note: { notes.append($0) }), name)
            XCTAssertEqual(notes.count, 1, name)
            XCTAssertTrue(notes.first?.contains(path) == true && notes.first?.contains("measuring again") == true, "\(name): \(notes)")
        }
        // Rewritten whole after a damaged one.
        Calibration.writeCache(good, to: path, level: level, note: { notes.append($0) })
        XCTAssertEqual(Calibration.readCache(path, level: level, note: { notes.append($0) }), good)
    }

    private func encode(_ change: (inout Calibration.Record) -> Void, _ r: Calibration.Record, _ level: ISA) throws -> Data {
        var r = r
        change(&r)
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        return try e.encode([level.rawValue: r])
    }
}
