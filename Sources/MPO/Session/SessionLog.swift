import Foundation

/// The session's messages for the status line, newest last: what every part of the compute side
/// says (a save, a refusal, a divergence) goes here, in the order it happened.
final class SessionLog {
    private(set) var messages: [Session.Message] = []
    /// Messages kept (a UI shows the newest).
    static let capacity = 50

    func note(_ text: String, error: Bool = false) {
        messages.append(Session.Message(text: text, isError: error, time: Date()))
        if messages.count > Self.capacity { messages.removeFirst() }
    }
}
