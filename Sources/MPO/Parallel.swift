import Dispatch
import Synchronization

/// Runs `count` independent items over `workers` threads; each thread owns a worker index (and so
/// its own workspaces) and takes the next item as soon as it is free. Items must not depend on
/// which worker runs them: results go to per-item slots, so outcomes do not depend on timing.
enum Parallel {
    static func forEach(_ count: Int, workers: Int, _ body: (_ item: Int, _ worker: Int) -> Void) {
        if workers <= 1 || count <= 1 {
            for i in 0..<count { body(i, 0) }
            return
        }
        let next = Atomic<Int>(0)
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: min(workers, count)) { worker in
                while true {
                    let item = next.add(1, ordering: .relaxed).oldValue
                    if item >= count { break }
                    body(item, worker)
                }
            }
        }
    }
}
