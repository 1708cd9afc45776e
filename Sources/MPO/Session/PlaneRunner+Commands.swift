import Engine
import Foundation

/// The commands that train, switch, save, open or replace planes. Those that replace the plane
/// shown return true: the map, the gap and the jobs at the cursor then start again on the new one
/// (`SessionEngine.planeReplaced`).
extension PlaneRunner {
    func setPaused(_ p: Bool) {
        if !p, fixed != nil { return refuseFixed("nothing to train") }
        if !p, let reason = active.diverged {
            log.note("cannot resume: \(reason). Open a checkpoint or start a new pattern.", error: true)
            return
        }
        paused = p
        active.loop.resetClock()  // a pause is not slow training
    }

    func toggleBatchNorm() -> Bool {
        if fixed != nil {
            refuseFixed("its net has no BatchNorm variant to switch to")
            return false
        }
        let target = !batchNorm
        if variants[target] == nil {
            do {
                variants[target] = try makeVariant(batchNorm: target, state: nil)
            } catch {
                log.note("cannot build the \(target ? "BatchNorm" : "plain") net: \(error)", error: true)
                return false
            }
        }
        batchNorm = target
        active.loop.resetClock()
        log.note("showing the \(target ? "BatchNorm" : "plain") plane (step \(active.trainer.step))")
        return true
    }

    /// Default checkpoint name of a plane: pattern, net, BN and step.
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
            log.note("saved " + saved.joined(separator: " and "))
        } else {
            log.note("save failed: \(failures.joined(separator: "; ")) — training goes on" + (saved.isEmpty ? "" : "; saved \(saved.joined(separator: " and "))"), error: true)
        }
    }

    func open(_ path: String) -> Bool {
        do {
            switch try PlaneFile.read(path: path) {
            case .directions(let d):
                try openFixed(d, path: path)
                log.note("opened \(path): a fixed \(d.kind.rawValue) plane, \(d.description) (nothing trains)")
            case .mpo(let c):
                try adopt(c, path: path)
                sizing.sizesBatch = false  // an opened plane keeps its images per step
                paused = true
                log.note("opened \(path) at step \(c.step) (paused: space trains on)")
            }
            return true
        } catch {
            log.note("cannot open: \(error)", error: true)
            return false
        }
    }

    func startFresh(on newPattern: Pattern) -> Bool {
        let previous = pattern
        pattern = newPattern
        do {
            let v = try makeVariant(batchNorm: batchNorm, state: nil)
            discardPlanes()
            variants = [batchNorm: v]
            fixed = nil
            sizing.sizesBatch = options.sizesBatch
        } catch {
            pattern = previous
            log.note("cannot train on \(newPattern.name): \(error)", error: true)
            return false
        }
        log.note("training a fresh plane on \(newPattern.name) (\(newPattern.width)x\(newPattern.height))")
        return true
    }
}
