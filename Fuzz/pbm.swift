// libFuzzer entry point for the pbm reader; built by scripts/fuzz.sh with Tests/ReliabilityTests/Support/ReaderHarness.swift.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt { ReaderHarness.fuzzOne(.pbm, data, count) }
