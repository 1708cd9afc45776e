import XCTest
@testable import Engine

/// The ISA levels: what the CPU runs, how a precision resolves at each level, and that a choice
/// survives encoding (checkpoints record it).
final class ISATests: XCTestCase {
    func testLevelsFormAChainUpToTheDetectedOne() {
        XCTAssertTrue(ISA.portable.isSupported)
        XCTAssertTrue(ISA.detected.isSupported)
        XCTAssertTrue(ISA.supported.contains(.default))
        #if arch(x86_64)
        let chain: [ISA] = [.portable, .avx2, .avx512, .avx512bf16, .amx]
        XCTAssertFalse(ISA.neon.isSupported)
        let top = chain.firstIndex(of: ISA.detected)!
        for (i, isa) in chain.enumerated() { XCTAssertEqual(isa.isSupported, i <= top, "\(isa) on a CPU whose level is \(ISA.detected)") }
        // The CPU's flags agree with the detected level.
        XCTAssertEqual(ISA.avx2.isSupported, CPU.flags.contains("avx2") && CPU.flags.contains("fma"))
        XCTAssertEqual(ISA.avx512bf16.isSupported, CPU.flags.contains("avx512_bf16"))
        #endif
    }

    func testNamesRoundTrip() {
        for isa in ISA.allCases { XCTAssertEqual(ISA(named: isa.rawValue), isa) }
        XCTAssertEqual(ISA(named: "avx512_bf16"), .avx512bf16)
        XCTAssertNil(ISA(named: "sse9"))
        XCTAssertNil(ISA(named: ""))
    }

    func testAutoIsOneOfTheLevelsCandidates() {
        for isa in ISA.supported {
            let auto = Compute.resolve(precision: "auto", isa: isa)!
            XCTAssertTrue(Calibration.candidates(level: isa).contains(auto), "\(isa): \(auto)")
        }
        XCTAssertEqual(Compute.resolve(precision: "fp32", isa: .portable), Compute(isa: .portable, precision: .fp32))
        XCTAssertNil(Compute.resolve(precision: "fp16"))
    }

    func testComputeEncodesAsNames() throws {
        let c = Compute(isa: .avx2, precision: .fp32)
        let json = String(decoding: try JSONEncoder().encode(c), as: UTF8.self)
        XCTAssertTrue(json.contains("\"avx2\"") && json.contains("\"fp32\""), json)
        XCTAssertEqual(try JSONDecoder().decode(Compute.self, from: Data(json.utf8)), c)
    }
}
