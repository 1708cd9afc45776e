import Foundation
import XCTest
@testable import Engine

/// Asserts `body` throws a DataError for `path` whose message contains every one of `words`.
func assertDataError<T>(
    _ body: @autoclosure () throws -> T, path: String, _ words: String..., file: StaticString = #filePath, line: UInt = #line
) {
    do {
        _ = try body()
        XCTFail("no error; expected one about \(path): \(words)", file: file, line: line)
    } catch let error as DataError {
        XCTAssertEqual(error.path, path, "\(error)", file: file, line: line)
        XCTAssertTrue(error.description.contains(path), "\(error)", file: file, line: line)
        for word in words {
            XCTAssertTrue(error.problem.lowercased().contains(word.lowercased()), "\"\(error)\" should mention \"\(word)\"", file: file, line: line)
        }
    } catch {
        XCTFail("expected a DataError, got \(error)", file: file, line: line)
    }
}
