import Dispatch
import Foundation
import Synchronization

/// Runs `count` independent items over `workers` threads; each thread owns a worker index (and so
/// its own workspaces) and takes the next item as soon as it is free. Items must not depend on
/// which worker runs them: results go to per-item slots, so outcomes do not depend on timing.
enum Parallel {
    /// True for the work a `Session`'s compute thread starts (a UI draws beside it): bound with
    /// `$yieldsToInteractive.withValue(true)` around that thread's loop, so it reaches every
    /// `forEach` below it without a flag on each evaluator and trainer, and nothing else sees it.
    /// Headless commands (`mpo render`, `fit`, `train`, ...) keep normal priority: at +5 they
    /// would get a fraction of the cores whenever anything else runs (measured: a render beside
    /// a nice-0 PyTorch job got 0.9 of 2 cores).
    @TaskLocal static var yieldsToInteractive = false

    static func forEach(_ count: Int, workers: Int, _ body: (_ item: Int, _ worker: Int) -> Void) {
        if workers <= 1 || count <= 1 {
            for i in 0..<count { body(i, 0) }
            return
        }
        let next = Atomic<Int>(0)
        let yields = yieldsToInteractive  // read here: the pool's threads are outside its binding
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: min(workers, count)) { worker in
                if yields { yieldToInteractiveThreads() }
                while true {
                    let item = next.add(1, ordering: .relaxed).oldValue
                    if item >= count { break }
                    body(item, worker)
                }
            }
        }
    }

    /// The niceness every compute thread runs at: the process's own plus 5. On Linux niceness
    /// is per thread (and `who` = 0 means the calling thread), so the thread that reads keys and
    /// draws — and the terminal, and anything else the user runs — gets the CPU first when it
    /// wakes while both cores train.
    private static let computeNiceness = getpriority(processPriority, 0) + 5
    private static let processPriority = __priority_which_t(PRIO_PROCESS.rawValue)

    /// Sets the calling thread's niceness (absolute, so calling it again changes nothing).
    private static func yieldToInteractiveThreads() {
        _ = setpriority(processPriority, 0, computeNiceness)
    }
}
