// libFuzzer entry point for checkpoint settings (the config JSON inside a checkpoint); built by scripts/fuzz.sh with Tests/ReliabilityTests/Support/ReaderHarness.swift.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt { ReaderHarness.fuzzOne(.checkpointConfig, data, count) }
