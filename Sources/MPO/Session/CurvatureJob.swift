import Engine
import Foundation

/// The Hessian's top eigenvalue at a plane position (Lanczos over exact Hessian-vector products,
/// `HessianSpectrum`), for the side panel. Lanczos cannot stop and resume between the engine's
/// turns, so it runs on a thread of its own; the engine's turns only publish its progress (the job
/// is due when there is news), and a new request or another plane cancels it between products.
final class CurvatureJob: CursorJob {
    /// The position asked for and not yet started.
    private var request: (row: Double, col: Double)?
    /// Written by the worker thread, read by the engine's: behind `lock`.
    private let lock = NSLock()
    private var shared: Session.Curvature?
    private var cancelFlag: CancelFlag?
    /// The version of `shared` last published.
    private var changes = 0, published = 0

    /// Most Lanczos steps (each one product); λ1 converges in ~10-30 on the nets here.
    static let maxProducts = 60
    /// Images the loss is taken over: the probe's, at most this many (a product costs about three
    /// passes over them).
    static let maxImages = 500

    final class CancelFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isSet: Bool { lock.withLock { value } }
        func set() { lock.withLock { value = true } }
    }

    func take(_ command: Session.Command) -> Bool {
        guard case .curvature(let row, let col) = command else { return false }
        request = (row, col)
        return true
    }

    func isDue(_ context: CursorContext) -> Bool {
        request != nil || lock.withLock { changes != published }
    }

    func run(_ c: CursorContext, within seconds: Double) {
        guard let p = request else { return }
        request = nil
        cancelFlag?.set()
        let flag = CancelFlag()
        let images = min(c.probeImages, Self.maxImages)
        let data = c.data(c.split, images)
        let weights = c.surface.weights(row: p.row, col: p.col)
        let net = c.evaluator.net
        let start = Session.Curvature(
            row: p.row, col: p.col, step: c.step, split: c.split, images: data.count, products: 0, maxProducts: Self.maxProducts,
            estimate: nil, done: false, failure: nil)
        lock.withLock { shared = start; cancelFlag = flag; changes += 1 }
        let thread = Thread { [weak self] in
            self?.compute(net: net, weights: weights, data: data, start: start, flag: flag)
        }
        thread.name = "curvature"
        thread.start()
    }

    /// On the worker thread: λ1 by Lanczos, publishing each step's estimate.
    private func compute(net: ModelSpec, weights: [Float], data: Dataset, start: Session.Curvature, flag: CancelFlag) {
        func update(_ change: (inout Session.Curvature) -> Void) {
            lock.withLock {
                guard cancelFlag === flag, var s = shared else { return }
                change(&s)
                shared = s
                changes += 1
            }
        }
        do {
            let spectrum = try HessianSpectrum(net: net, weights: weights, data: data)
            let top = try spectrum.top(
                k: 1, maxSteps: Self.maxProducts,
                progress: { p in update { $0.products = p.step; $0.estimate = p.estimates.first } },
                cancelled: { flag.isSet })
            update {
                $0.products = top.steps
                $0.estimate = top.values.first
                $0.done = true
            }
        } catch is Lanczos.Cancelled {
            return
        } catch {
            update {
                $0.done = true
                $0.failure = "\(error)"
            }
        }
    }

    func planeReplaced() {
        request = nil
        lock.withLock {
            cancelFlag?.set()
            cancelFlag = nil
            shared = nil
            changes += 1
        }
    }

    func publish(into snapshot: inout Session.Snapshot) {
        lock.withLock {
            snapshot.curvature = shared
            published = changes
        }
    }
}
