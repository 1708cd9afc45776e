import XCTest

extension XCTestCase {
    /// A fresh folder, removed when the test ends.
    public func temporaryFolder(_ label: String = #function) throws -> TemporaryFolder {
        let folder = try TemporaryFolder(label)
        addTeardownBlock { folder.remove() }
        return folder
    }

    /// The path `name` in a fresh folder removed when the test ends.
    public func temporary(_ name: String, _ label: String = #function) -> String {
        try! temporaryFolder(label).file(name)
    }
}
