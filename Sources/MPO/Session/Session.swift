import Engine
import Foundation

/// A live MPO session: trains a plane and evaluates heatmaps on a compute thread of its own, takes
/// commands from the UI without blocking it, and publishes immutable snapshots for it to draw.
///
/// The session keeps two planes on the same pattern — the plain net and its BatchNorm variant —
/// and trains and shows one of them; each keeps its own state when the other is active.
/// The compute thread shares the cores between training steps and evaluation: after each step it
/// evaluates for about as long as the step took, so the map keeps up while training continues.
public final class Session: @unchecked Sendable {
    public struct Options: Sendable {
        public var config: TrainingConfig
        public var pattern: Pattern
        /// Images of each split used for heatmaps, probes and the gap.
        public var evalImages: Int
        public var workers: Int
        public var folders: ProjectFolders
        public var startPaused: Bool
        /// Open this saved plane instead of starting a fresh one.
        public var checkpoint: String?
        /// Size the images per step to the machine (`LivePlan`); false keeps the config's batch
        /// (the user chose it). The map is sized either way.
        public var sizesBatch = true
        /// How `--precision auto` chose `config.compute` (shown on the side panel); nil when the
        /// user named the precision.
        public var precisionChoice: String?
        /// BatchNorm statistics for the fixed plane in `checkpoint` (`mpo view --bn-stats`); nil,
        /// and planes opened later: the plane's default (running when it has running statistics).
        /// MPO planes always use batch statistics.
        public var bnStats: BNStats?
        /// Training images a recompute passes per point.
        public var bnImages = BNStats.defaultRecomputeImages

        /// The same options with `sizesBatch` set.
        public func sizingBatch(_ on: Bool) -> Options {
            var o = self
            o.sizesBatch = on
            return o
        }
        /// Where planes with unsaved steps keep recovery files (nil: none).
        public var recovery: RecoveryStore?
        /// Plan with this measurement instead of timing the machine (a machine of known speed,
        /// for tests); nil: measure.
        public var measurement: LivePlan.Measurement?
        /// Evaluate at most this many positions per map chunk (tests: so a refresh is seen in
        /// progress); nil: as many as fit in a chunk's time.
        public var chunkPositions: Int?
        /// Tests: true for a step after which the planes made from then on get a NaN, as a real
        /// blow-up would (`TrainingLoop.fault`); nil: none.
        public var poison: (@Sendable (_ step: Int) -> Bool)?

        public init(
            config: TrainingConfig, pattern: Pattern, evalImages: Int = 500, workers: Int = CPU.cores,
            folders: ProjectFolders = .locate(), startPaused: Bool = false, checkpoint: String? = nil,
            recovery: RecoveryStore? = nil
        ) {
            self.recovery = recovery
            self.config = config
            self.pattern = pattern
            self.evalImages = evalImages
            self.workers = workers
            self.folders = folders
            self.startPaused = startPaused
            self.checkpoint = checkpoint
        }
    }

    public enum Command: Sendable {
        case setPaused(Bool)
        case togglePause
        case setViewport(Viewport)
        /// Screen pixels per sample of the viewport along each axis: how much finer than its grid a
        /// paused map can usefully refine.
        case setDetail(Int)
        case setSplit(Split)
        case toggleBatchNorm
        /// Evaluate one plane position on both splits for the probe panel.
        case probe(row: Double, col: Double)
        /// The Hessian's top eigenvalue at one plane position, on the map's split (`CurvatureJob`).
        case curvature(row: Double, col: Double)
        /// Save into Checkpoints/ the active plane (nil: a name made from pattern, net and step)
        /// and the other plane if it has unsaved steps (always under its made-up name).
        case save(name: String?)
        /// Open the planes of an ended session's recovery files (paused), taking them over.
        case recover(RecoveredSession)
        case open(path: String)
        /// Fresh planes on a new pattern.
        case train(Pattern)
        /// Profile the segment between two plane positions on the map's split and images (nil: none).
        case setTransect(TransectEnds?)
    }

    public enum Status: Sendable, Equatable {
        case loading
        case training
        case paused
        /// Training stopped on NaN/Inf; the last finite state is kept.
        case diverged(String)
        case failed(String)
    }

    public struct Message: Sendable, Equatable {
        public var text: String
        public var isError: Bool
        public var time: Date
    }

    // MARK: state shared with the UI (guarded by `lock`)

    private let lock = NSLock()
    private let wake = NSCondition()
    private var commands: [Command] = []
    private var published: Snapshot
    private var quitRequested = false
    private var exitRecovery = ExitRecovery.keep
    private var joined = false
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)
    /// Called on the compute thread after each publication (e.g. to wake a UI's event loop).
    public var onUpdate: (@Sendable () -> Void)?

    // MARK: compute-thread state

    let options: Options
    var engine: SessionEngine?

    public init(options: Options) {
        self.options = options
        published = Snapshot(
            pattern: options.pattern, config: options.config,
            heatmap: Heatmap(viewport: Viewport(pattern: options.pattern), split: .test, step: 0))
        published.training.paused = options.startPaused
        published.training.evalImages = options.evalImages
    }

    /// Starts the compute thread (loading data there, so the UI can draw at once).
    public func start() {
        let t = Thread { [self] in
            Parallel.$yieldsToInteractive.withValue(true) { computeLoop() }  // keys and drawing first
            finished.signal()
        }
        t.name = "mpo-compute"
        t.stackSize = 8 << 20
        thread = t
        t.start()
    }

    /// What becomes of this session's recovery files when it stops.
    public enum ExitRecovery: Sendable {
        /// As they are (tests, and planes that are saved anyway).
        case keep
        /// Brought up to date, for the next start to offer (SIGHUP, SIGTERM, Ctrl-C).
        case write
        /// Removed (the user quit without saving).
        case discard
    }

    /// Asks the compute thread to stop and waits for it (at most `timeout` seconds); it first
    /// does what `recovery` says with the recovery files.
    public func stop(timeout: Double = 10, recovery: ExitRecovery = .keep) {
        lock.lock()
        if !quitRequested { exitRecovery = recovery }
        quitRequested = true
        lock.unlock()
        wake.lock(); wake.signal(); wake.unlock()
        // Once joined, later calls return at once (the semaphore is signalled only once).
        if thread != nil, !joined { joined = finished.wait(timeout: .now() + timeout) == .success }
    }

    public func send(_ command: Command) {
        lock.lock()
        commands.append(command)
        lock.unlock()
        wake.lock(); wake.signal(); wake.unlock()
    }

    public func snapshot() -> Snapshot {
        lock.lock()
        defer { lock.unlock() }
        return published
    }

    // MARK: for the compute thread

    func takeCommands() -> (commands: [Command], quit: Bool) {
        lock.lock()
        defer { lock.unlock() }
        let c = commands
        commands.removeAll()
        return (c, quitRequested)
    }

    var requestedExitRecovery: ExitRecovery {
        lock.lock()
        defer { lock.unlock() }
        return exitRecovery
    }

    func hasPendingCommands() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return !commands.isEmpty || quitRequested
    }

    func publish(_ change: (inout Snapshot) -> Void) {
        lock.lock()
        change(&published)
        published.version += 1
        lock.unlock()
        onUpdate?()
    }

    /// Sleeps until a command arrives (or `seconds` pass).
    func waitForCommand(seconds: Double) {
        wake.lock()
        lock.lock()
        let pending = !commands.isEmpty || quitRequested
        lock.unlock()
        if !pending { _ = wake.wait(until: Date().addingTimeInterval(seconds)) }
        wake.unlock()
    }

    private func computeLoop() {
        do {
            let engine = try SessionEngine(session: self, options: options)
            self.engine = engine
            engine.run()
        } catch {
            publish { $0.status = .failed("\(error)") ; $0.messages.append(Message(text: "\(error)", isError: true, time: Date())) }
            while !takeCommands().quit { waitForCommand(seconds: 0.5) }
        }
    }
}

extension Session {
    /// The data split a map is evaluated on, re-exported so a UI needs only MPO.
    public typealias Split = Engine.Split
}

extension Session {
    /// The order in which the first map of a grid evaluates its samples (row-major indices):
    /// every 4th sample, then every 2nd, then the rest (later refreshes of the grid go row by
    /// row, replacing values in place).
    public static func refreshOrder(rows: Int, cols: Int) -> [Int] {
        HeatmapAssembler.coarseToFine(rows: rows, cols: cols)
    }
}
