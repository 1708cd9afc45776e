import Foundation
import MPO

/// Snapshots from the session, and what happens with time alone (probes, messages expiring).
extension AppState {
    /// Seconds the cursor rests before its position is probed.
    static let probeDelay = 0.12
    /// A shown probe older than this many steps is refreshed (at most every `probeRefresh` s).
    static let probeStaleSteps = 20
    static let probeRefresh = 2.0

    public mutating func update(_ s: Session.Snapshot, now: Date = Date()) -> Redraw {
        guard s.version != snapshot?.version else { return [] }
        let old = snapshot
        snapshot = s
        var redraw: Redraw = [.map, .panel, .bars]

        if old == nil || old!.training.pattern != s.training.pattern || old!.training.fixedPlane?.path != s.training.fixedPlane?.path {
            // a new pattern (opened or trained) or fixed plane: fit the view to it
            camera.reset(to: s.training.frame)
            backdrop = nil
            probeSent = nil
            clearTransect()
            sentViewport = nil
            needsFullRepaint = true
            redraw = .all
        } else if let old, s.map.heatmap.viewport != old.map.heatmap.viewport, s.map.heatmap.viewport != sentViewport {
            sentViewport = nil  // the session chose a view of its own (it does on open): ask for ours again
        }
        if old.map({ $0.map.split != s.map.split || $0.training.batchNorm != s.training.batchNorm }) ?? false { backdrop = nil }
        if requestedSplit == s.map.split { requestedSplit = nil }
        syncViewport()

        if s.map.heatmap.evaluatedCount == s.map.heatmap.viewport.count {
            backdrop = (s.map.heatmap, s.training.batchNorm, s.training.pattern, s.training.fixedPlane?.path)
        }

        // new session messages go to the status line
        if let last = s.messages.last, last.time != lastMessageTime {
            lastMessageTime = last.time
            // paths inside the project folder are shown relative to it, as the user knows them
            let root = folders.root.hasSuffix("/") ? folders.root : folders.root + "/"
            notice = Notice(text: last.text.replacingOccurrences(of: root, with: ""), isError: last.isError, time: now)
        }

        if let pending = quitAfterSave {
            if s.training.savesCompleted > pending.saves {
                let paths = s.training.planes.compactMap(\.lastSavedPath)
                farewell = paths.isEmpty ? s.training.lastSavedPath.map { "saved \(displayPath($0))" } : "saved " + paths.map(displayPath).joined(separator: " and ")
                exitCode = 0
            } else if let last = s.messages.last, last.isError, last.time > pending.since {
                quitAfterSave = nil  // the save failed: stay, the message says why
            }
        }
        return redraw
    }

    /// Time passing: probes the cursor once it rests, refreshes stale probes, expires notices.
    public mutating func tick(now: Date = Date()) -> Redraw {
        var redraw: Redraw = []
        if let n = notice, now.timeIntervalSince(n.time) > n.lifetime {
            notice = nil
            redraw.insert(.bars)
        }
        guard let s = snapshot, screen == .explorer else { return redraw }
        let p = camera.cursorPosition
        let samePlace = probeSent.map { abs($0.row - p.row) < 1e-9 && abs($0.col - p.col) < 1e-9 } ?? false
        let rested = now.timeIntervalSince(cursorMovedAt ?? .distantPast) >= Self.probeDelay
        let stale = probeSent.map { s.training.step - $0.step >= Self.probeStaleSteps && now.timeIntervalSince($0.time) >= Self.probeRefresh } ?? false
        if rested && (!samePlace || stale), s.status != .loading {
            outbox.append(.probe(row: p.row, col: p.col))
            probeSent = (p.row, p.col, now, s.training.step)
        }
        return redraw
    }

    /// The session's probe if it is for the cursor's position.
    public var cursorProbe: Session.Probe? {
        guard let probe = snapshot?.probe else { return nil }
        let p = camera.cursorPosition
        return abs(probe.row - p.row) < 1e-9 && abs(probe.col - p.col) < 1e-9 ? probe : nil
    }

    /// The session's curvature if it is for the cursor's position.
    public var cursorCurvature: Session.Curvature? {
        guard let c = snapshot?.curvature else { return nil }
        let p = camera.cursorPosition
        return abs(c.row - p.row) < 1e-9 && abs(c.col - p.col) < 1e-9 ? c : nil
    }

    /// Seconds until `tick` has something to do (for the loop's poll timeout).
    public func nextTick(now: Date = Date()) -> TimeInterval {
        var t = 0.25
        if let moved = cursorMovedAt { t = min(t, max(0.01, Self.probeDelay - now.timeIntervalSince(moved) + 0.005)) }
        return t
    }
}
