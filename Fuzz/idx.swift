// libFuzzer entry point for the idx reader; built by scripts/fuzz.sh with Tests/ReliabilityTests/Support/ReaderHarness.swift.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt { ReaderHarness.fuzzOne(.idx, data, count) }
