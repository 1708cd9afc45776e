/// A wait on a tmux screen (or on what a test expects while one runs) that ran out of time.
public struct TmuxError: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) { self.description = description }
}
