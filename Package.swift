// swift-tools-version:5.10
// LossPatterns: multi-point optimization of neural-network loss planes, explored in the terminal.
import PackageDescription

/// Release builds keep bounds checks off in the numeric modules: every hot loop there works on
/// unsafe pointers whose extents are checked once, at the API boundary.
let numericSwift: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
let fastC: [CSetting] = [.unsafeFlags(["-O3", "-fno-math-errno"])]

let package = Package(
    name: "LossPatterns",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "mpo", targets: ["mpo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // OpenBLAS is opened at run time (dlopen), not linked: it reads OPENBLAS_CORETYPE when it
        // loads, and only then can we choose its kernels for CPUs it does not recognise.
        .target(name: "CBLAS", dependencies: ["CKernels"], cSettings: fastC, linkerSettings: [.linkedLibrary("dl")]),
        // Vector primitives and layout kernels (im2col, pooling), compiled per ISA level and picked per call.
        .target(name: "CKernels", cSettings: fastC),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "Engine",
            dependencies: ["CBLAS", "CKernels", "CZlib"],
            swiftSettings: numericSwift),
        .target(name: "MPO", dependencies: ["Engine", "CKernels"], swiftSettings: numericSwift),
        .systemLibrary(name: "CCurses", providers: [.apt(["libncurses-dev"])]),
        .target(name: "Explorer", dependencies: ["MPO", "CCurses"]),
        .executableTarget(
            name: "mpo",
            dependencies: [
                "Engine", "MPO", "Explorer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "TestSupport"]),
        .testTarget(name: "ParityTests", dependencies: ["Engine", "MPO", "TestSupport"]),
        .testTarget(name: "MPOTests", dependencies: ["Engine", "MPO", "TestSupport"]),
        // Runs the built `mpo` binary; the test helpers, and the library to read back what it writes.
        .testTarget(name: "CLITests", dependencies: ["Engine", "MPO", "TestSupport"]),
        // What several test targets share: temporary folders, sessions, tmux, child processes,
        // IDX and gzip files.
        .target(name: "TestSupport", dependencies: ["Engine", "MPO", "CZlib"], path: "Tests/TestSupport"),
        .testTarget(name: "ReliabilityTests", dependencies: ["Engine", "MPO", "TestSupport"]),
        .testTarget(name: "ExplorerTests", dependencies: ["MPO", "Explorer", "TestSupport"], exclude: ["Snapshots"]),
    ]
)
