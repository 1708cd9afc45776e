import Engine
import Foundation
import TestSupport
import XCTest

/// The release `mpo` the end-to-end tests drive in tmux, and what such a test needs to start.
enum RealBinary {
    /// MPO_BINARY, else the mpo built beside the tests, else .build/release/mpo of this checkout.
    static var path: String { mpoBinaryPath }

    /// Skips, naming what is missing, unless tmux, the binary and FashionMNIST are all there.
    static func skipUnlessReady() throws {
        guard Tmux.available else { throw XCTSkip("tmux is not installed (make deps-test installs it)") }
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw XCTSkip("no binary at \(path): run `make test` (it builds one) or set MPO_BINARY")
        }
        guard FileManager.default.fileExists(atPath: DatasetKind.debianFashionMNIST + "/train-images-idx3-ubyte.gz") else {
            throw XCTSkip("FashionMNIST is not installed (apt-get install dataset-fashion-mnist)")
        }
    }
}
