import Foundation
import MPO

/// Recovery files left by sessions that ended without saving (closed terminal, kill, crash):
/// offered at start, one ended session at a time, newest first.
extension AppState {
    /// Asks about `ended` (nothing if empty); `train`: resume training once answered (the
    /// session starts paused while the question is open).
    public mutating func offerRecovery(_ ended: [RecoveredSession], train: Bool) {
        pendingRecoveries = ended
        trainAfterRecoveryOffer = train
        offerNextRecovery()
    }

    mutating func offerNextRecovery() {
        guard !pendingRecoveries.isEmpty else {
            if trainAfterRecoveryOffer { outbox.append(.setPaused(false)) }
            trainAfterRecoveryOffer = false
            return
        }
        let ended = pendingRecoveries.removeFirst()
        let lines = ended.planes.map(\.summary)
        overlay = .confirm(Confirmation(
            purpose: .recover(ended),
            message: "A session ended without saving; its recovery files hold:\n" + lines.joined(separator: "\n"),
            choices: [("r", "resume " + (ended.planes.count > 1 ? "both planes" : "it")), ("d", "discard"), ("k", "keep for later")]))
    }

    mutating func answerRecovery(_ ended: RecoveredSession, _ answer: Character, now: Date) {
        switch answer {
        case "r":
            outbox.append(.recover(ended))
            // The resumed planes open paused; the rest stay for the next start.
            pendingRecoveries = []
            trainAfterRecoveryOffer = false
            note("recovering \(ended.planes.first?.patternName ?? "the plane")...", now: now)
        case "d":
            ended.discard()
            note("discarded the recovery files of \(ended.planes.first?.patternName ?? "a plane")", now: now)
            offerNextRecovery()
        default:
            offerNextRecovery()
        }
    }
}
