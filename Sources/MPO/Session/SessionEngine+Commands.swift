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
        case .setDetail(let k):
            live.detail = max(1, k)
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
        case .recover(let ended):
            recover(ended)
        case .setTransect(let ends):
            transect.ends = ends
            if ends == nil { transect.profile = nil }
        }
    }

    func setPaused(_ p: Bool) {
        if !p, fixed != nil { return refuseFixed("nothing to train") }
        if !p, let reason = active.diverged {
            note("cannot resume: \(reason). Open a checkpoint or start a new pattern.", error: true)
            return
        }
        paused = p
        active.loop.resetClock()  // a pause is not slow training
    }

    func toggleBatchNorm() {
        if fixed != nil { return refuseFixed("its net has no BatchNorm variant to switch to") }
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
        active.loop.resetClock()
        probe = nil
        resetMap()
        scoreJob = nil
        note("showing the \(target ? "BatchNorm" : "plain") plane (step \(active.trainer.step))")
    }

    /// Default checkpoint name of the active plane: pattern, net, BN and step.
    var defaultCheckpointName: String { defaultCheckpointName(of: active) }

    func defaultCheckpointName(of v: Variant) -> String {
        let c = v.trainer.config
        let net = ModelSpec.presets.first { $0.spec.with(batchNorm: false) == c.net.with(batchNorm: false) }?.name ?? "net"
        // ASCII letters/digits only and at most 40 of them, so SafeName always accepts the result.
        let stem = String(pattern.name.unicodeScalars.filter { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }
            .prefix(40).map(Character.init)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return "\(stem.isEmpty ? "plane" : stem)-\(net)\(c.net.batchNorm ? "-bn" : "")-s\(v.trainer.step)"
    }

    /// Saves the active plane, and the other one when it has unsaved steps; each save removes
    /// that plane's recovery file.
    func save(name: String?) {
        if let fixed { return refuseFixed("nothing to save, it is \(fixed.path)") }
        let folder = options.folders.checkpoints
        let others = variants.filter { $0.key != batchNorm && $0.value.unsavedSteps > 0 }.map(\.value)
        var saved: [String] = [], failures: [String] = []
        for (v, name) in [(active, name)] + others.map({ ($0, nil) }) {
            do {
                try SafeName.ensureFolder(folder)
                let path = try SafeName.path(for: name ?? defaultCheckpointName(of: v), extension: "safetensors", in: folder)
                try v.loop.save(to: path)
                saved.append(path)
            } catch {
                failures.append("\(error)")
            }
        }
        if failures.isEmpty {
            savesCompleted += 1
            note("saved " + saved.joined(separator: " and "))
        } else {
            note("save failed: \(failures.joined(separator: "; ")) — training goes on" + (saved.isEmpty ? "" : "; saved \(saved.joined(separator: " and "))"), error: true)
        }
    }

    func open(_ path: String) {
        do {
            switch try PlaneFile.read(path: path) {
            case .directions(let d):
                try openFixed(d, path: path)
                note("opened \(path): a fixed \(d.kind.rawValue) plane, \(d.description) (nothing trains)")
            case .mpo(let c):
                try adopt(c, path: path)
                live.sizesBatch = false  // an opened plane keeps its images per step
                paused = true
                probe = nil
                scoreJob = nil
                note("opened \(path) at step \(c.step) (paused: space trains on)")
            }
        } catch {
            note("cannot open: \(error)", error: true)
        }
    }

    func startFresh(on newPattern: Pattern) {
        let previous = pattern
        pattern = newPattern
        do {
            let v = try makeVariant(batchNorm: batchNorm, state: nil)
            discardPlanes()
            variants = [batchNorm: v]
            fixed = nil
            live.sizesBatch = options.sizesBatch
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
