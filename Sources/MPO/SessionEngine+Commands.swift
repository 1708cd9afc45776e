import Engine
import Foundation

extension SessionEngine {
    func handle(_ command: Session.Command) {
        switch command {
        case .setPaused(let p):
            setPaused(p)
        case .togglePause:
            setPaused(!paused)
        case .setViewport(let v):
            guard v != viewport, v.rows > 0, v.cols > 0 else { return }
            viewport = v
            resetMap()
        case .setSplit(let s):
            guard s != split else { return }
            split = s
            resetMap()
        case .toggleBatchNorm:
            toggleBatchNorm()
        case .probe(let row, let col):
            probeRequest = (row, col)
        case .save(let name):
            save(name: name)
        case .open(let path):
            open(path)
        case .train(let newPattern):
            startFresh(on: newPattern)
        }
    }

    func setPaused(_ p: Bool) {
        if !p, let reason = active.diverged {
            note("cannot resume: \(reason). Open a checkpoint or start a new pattern.", error: true)
            return
        }
        paused = p
        recentStepTimes.removeAll()  // a pause is not slow training
    }

    func toggleBatchNorm() {
        let target = !batchNorm
        if variants[target] == nil {
            do {
                variants[target] = try makeVariant(batchNorm: target, state: nil)
            } catch {
                note("cannot build the \(target ? "BatchNorm" : "plain") net: \(error)", error: true)
                return
            }
        }
        batchNorm = target
        probe = nil
        resetMap()
        scoreJob = nil
        note("showing the \(target ? "BatchNorm" : "plain") plane (step \(active.trainer.step))")
    }

    /// Default checkpoint name: pattern, net, BN and step.
    var defaultCheckpointName: String {
        let c = active.trainer.config
        let net = ModelSpec.presets.first { $0.spec.with(batchNorm: false) == c.net.with(batchNorm: false) }?.name ?? "net"
        // ASCII letters/digits only and at most 40 of them, so SafeName always accepts the result.
        let stem = String(pattern.name.unicodeScalars.filter { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }
            .prefix(40).map(Character.init)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return "\(stem.isEmpty ? "plane" : stem)-\(net)\(c.net.batchNorm ? "-bn" : "")-s\(active.trainer.step)"
    }

    func save(name: String?) {
        let v = active
        let folder = options.folders.checkpoints
        do {
            try SafeName.ensureFolder(folder)
            let path = try SafeName.path(for: name ?? defaultCheckpointName, extension: "safetensors", in: folder)
            try Checkpoint(config: v.trainer.config, pattern: pattern, state: v.trainer.state).write(to: path)
            v.unsavedSteps = 0
            v.lastSavedPath = path
            note("saved \(path)")
        } catch {
            note("save failed: \(error) — training goes on", error: true)
        }
    }

    func open(_ path: String) {
        do {
            let c = try Checkpoint.read(path: path)
            try adopt(c, path: path)
            paused = true
            probe = nil
            scoreJob = nil
            note("opened \(path) at step \(c.step) (paused: space trains on)")
        } catch {
            note("cannot open: \(error)", error: true)
        }
    }

    func startFresh(on newPattern: Pattern) {
        let previous = pattern
        pattern = newPattern
        do {
            let v = try makeVariant(batchNorm: batchNorm, state: nil)
            variants = [batchNorm: v]
        } catch {
            pattern = previous
            note("cannot train on \(newPattern.name): \(error)", error: true)
            return
        }
        viewport = Viewport(pattern: pattern)
        probe = nil
        scoreJob = nil
        resetMap()
        note("training a fresh plane on \(newPattern.name) (\(newPattern.width)x\(newPattern.height))")
    }
}
