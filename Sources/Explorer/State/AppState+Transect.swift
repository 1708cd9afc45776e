import Foundation
import MPO

/// The transect keys: marks change here, the session computes the profile (`.setTransect`).
extension AppState {
    mutating func markTransect(now: Date) -> Redraw {
        guard hasSession else { return [] }
        let p = camera.cursorPosition
        transectMarks.mark(p)
        let (a, b) = frame.names, (x, y) = frame.coordinates(row: p.row, col: p.col)
        let here = "(\(a) \(Format.fixed(x, 2)), \(b) \(Format.fixed(y, 2)))"
        if let ends = transectMarks.ends {
            outbox.append(.setTransect(ends))
            note("transect end at \(here): profiling...", now: now)
        } else if transectMarks.start != nil {
            note("transect start at \(here); move and press \(keyName(.markTransect)) again for its end", now: now)
        } else {
            outbox.append(.setTransect(nil))
            note("transect cleared", now: now)
        }
        return [.map, .panel, .bars]
    }

    mutating func cycleMarkerTransect(now: Date) -> Redraw {
        guard let fixed = fixedPlane,
              let chosen = transectMarks.nextPair(of: fixed.markers, frame: fixed.frame, curve: fixed.kind == .curve ? fixed.trajectory : nil) else {
            note("no markers to join: \(keyName(.cycleMarkerTransect)) needs a plane through models (mpo plane models, mpo curve)", now: now)
            return .bars
        }
        outbox.append(.setTransect(transectMarks.ends))
        note("transect \(chosen): profiling...", now: now)
        return [.map, .panel, .bars]
    }

    /// Another plane is shown: its positions mean something else.
    mutating func clearTransect() {
        guard !transectMarks.isEmpty else { return }
        transectMarks = TransectMarks()
        outbox.append(.setTransect(nil))
    }

    /// The session's profile if it is of the marked ends and the split shown.
    public var transectProfile: Session.TransectProfile? {
        guard let p = snapshot?.transect, let ends = transectMarks.ends, p.ends == ends, p.split == split else { return nil }
        return p
    }
}
