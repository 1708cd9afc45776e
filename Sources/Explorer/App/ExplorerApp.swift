import Foundation
import MPO

/// How to start the explorer.
public struct ExplorerOptions: Sendable {
    /// Settings for fresh planes (the first one, and any started later with "train on this").
    public var config: TrainingConfig
    public var pattern: Pattern
    /// Open this saved plane instead of training a fresh one.
    public var checkpoint: String?
    public var startPaused: Bool
    public var evalImages: Int
    public var workers: Int?
    public var folders: ProjectFolders
    /// Plain ASCII, no colours (`--ascii`).
    public var ascii: Bool
    /// Open the pattern editor without a session (`mpo edit`); "train on this" starts one.
    public var editorOnly: Bool
    /// Said on the status line at start (e.g. which pattern stood in for a missing one).
    public var startMessage: String?
    /// Offer the planes that ended sessions left in Checkpoints/recovery/ (`mpo`, `mpo explore`).
    public var offerRecovery = false
    /// Let the session size the images per step to the machine (false: `--batch` was given).
    public var sizesBatch = true
    /// How `--precision auto` chose the compute path (nil when the user named one).
    public var precisionChoice: String?
    /// BatchNorm statistics for the plane of fixed directions in `checkpoint` (`mpo view
    /// --bn-stats`); nil, and planes opened later: the plane's default (`BNStats.standard`).
    public var bnStats: BNStats?
    /// Training images a recompute passes per point (`--bn-images`).
    public var bnImages = BNStats.defaultRecomputeImages

    public init(
        config: TrainingConfig, pattern: Pattern, checkpoint: String? = nil, startPaused: Bool = false,
        evalImages: Int = 500, workers: Int? = nil, folders: ProjectFolders = .locate(), ascii: Bool = false,
        editorOnly: Bool = false, startMessage: String? = nil
    ) {
        self.config = config
        self.pattern = pattern
        self.checkpoint = checkpoint
        self.startPaused = startPaused
        self.evalImages = evalImages
        self.workers = workers
        self.folders = folders
        self.ascii = ascii
        self.editorOnly = editorOnly
        self.startMessage = startMessage
    }
}

/// The event loop: waits on the keyboard and on a wake pipe the session pokes after each
/// publication, applies events to the state, sends its commands, and draws at most ~30 frames
/// a second for session updates (keys draw at once). Only this thread touches the terminal.
public enum ExplorerApp {
    static let frameInterval = 1.0 / 30

    /// Runs until the user quits; returns the process exit status.
    public static func run(_ options: ExplorerOptions) throws -> Int32 {
        let wake = try WakePipe()
        let terminal = try Terminal(ascii: options.ascii, wakeFD: wake.writeFD)
        defer { terminal.shutdown() }

        var keyMap = KeyMap.standard
        var problems: [String] = []
        let keysFile = (options.folders.root as NSString).appendingPathComponent("keys.conf")
        if let text = try? String(contentsOfFile: keysFile, encoding: .utf8) { problems = keyMap.apply(config: text) }

        let size = terminal.size
        var state = AppState(
            pattern: options.pattern, width: size.width, height: size.height, capabilities: terminal.capabilities,
            folders: options.folders, keyMap: keyMap, editorOnly: options.editorOnly)
        state.terminalSummary = terminal.summary
        if let first = problems.first { state.note(first, error: true) } else if let m = options.startMessage { state.note(m) }

        var session: Session?
        // Planes with unsaved steps keep recovery files; a normal end removes them, a signal
        // brings them up to date, a kill or crash leaves the last ones written.
        let recovery = RecoveryStore(folders: options.folders)
        let ended = options.offerRecovery && !options.editorOnly ? RecoveredSession.list(in: options.folders) : []
        let cores = ProcessInfo.processInfo.activeProcessorCount
        func startSession(pattern: Pattern, checkpoint: String?, paused: Bool) {
            var sessionOptions = Session.Options(
                config: options.config, pattern: pattern, evalImages: options.evalImages,
                workers: min(max(1, options.workers ?? cores), cores), folders: options.folders,
                startPaused: paused, checkpoint: checkpoint, recovery: recovery).sizingBatch(options.sizesBatch)
            sessionOptions.precisionChoice = options.precisionChoice
            (sessionOptions.bnStats, sessionOptions.bnImages) = (options.bnStats, options.bnImages)
            let s = Session(options: sessionOptions)
            s.onUpdate = { wake.signal() }
            s.start()
            session = s
        }
        if !options.editorOnly {
            startSession(pattern: options.pattern, checkpoint: options.checkpoint, paused: options.startPaused || !ended.isEmpty)
            state.offerRecovery(ended, train: !options.startPaused)
        }
        defer {
            session?.stop(timeout: 5)
            recovery.close()
        }

        var buffer = CellBuffer(width: 0, height: 0)
        var pending: Redraw = .all
        var lastFrame = Date.distantPast
        var urgent = true  // draw without waiting for the frame interval
        var interrupted = false

        while state.exitCode == nil && !interrupted {
            // 1. wait for a key, a session update, a signal, or the next tick
            let now = Date()
            var timeout = state.nextTick(now: now)
            if !pending.isEmpty { timeout = min(timeout, max(0, frameInterval - now.timeIntervalSince(lastFrame))) }
            var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.readFD, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, 2, Int32(max(0, timeout * 1000).rounded(.up)))

            // 2. signals and resizes
            let woke = wake.drain()
            if woke.contains(SignalGuard.wakeInterrupt) {
                interrupted = true
                break
            }
            if woke.contains(SignalGuard.wakeWinch), terminal.checkResize() {
                let s = terminal.size
                pending.formUnion(state.resize(width: s.width, height: s.height))
                urgent = true
            }

            // 3. input
            while let event = terminal.readEvent() {
                if event == .resize {
                    let s = terminal.size
                    pending.formUnion(state.resize(width: s.width, height: s.height))
                } else {
                    pending.formUnion(state.handle(event))
                }
                urgent = true
            }

            // 4. the session's latest snapshot, and time-driven work
            if let s = session?.snapshot() { pending.formUnion(state.update(s)) }
            pending.formUnion(state.tick())

            // 5. commands out (a first "train" without a session starts one)
            for command in state.takeCommands() {
                if session == nil, case .train(let pattern) = command {
                    startSession(pattern: pattern, checkpoint: nil, paused: false)
                } else {
                    session?.send(command)
                }
            }

            // 6. draw
            if !pending.isEmpty && (urgent || Date().timeIntervalSince(lastFrame) >= frameInterval) {
                if state.needsFullRepaint {
                    terminal.invalidate()
                    state.needsFullRepaint = false
                }
                ScreenRenderer.render(state, into: &buffer, parts: pending)
                terminal.present(buffer)
                pending = []
                urgent = false
                lastFrame = Date()
            }
        }
        terminal.shutdown()
        if interrupted {
            // Write the recovery files (SignalGuard now ignores further quit signals; the alarm
            // ends a way out that hangs).
            alarm(SignalGuard.exitGrace)
            session?.stop(timeout: 15, recovery: .write)
            let steps = state.unsavedSteps
            print("interrupted" + (steps > 0 ? "; \(steps) unsaved trained steps are in \(recovery.folder) (offered at the next start)" : ""))
            return 128 + Int32(SignalGuard.lastSignal == 0 ? SIGINT : SignalGuard.lastSignal)
        }
        session?.stop(timeout: 5, recovery: .discard)
        if let farewell = state.farewell { print(farewell) }
        return state.exitCode ?? 0
    }
}
