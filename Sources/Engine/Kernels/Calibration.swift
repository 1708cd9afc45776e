import Foundation

/// What `--precision auto` runs, decided by measurement on this CPU (DESIGN.md §8): the same
/// instruction has different speeds on different cores (`vdpbf16ps` was 1.46x fp32 on an AMD
/// Zen 4 and 0.78x on an Intel Xeon model 207), so no rule written from one CPU holds on another.
///
/// Each candidate path (fp32 at the CPU's level, fp32 through our own AVX2 kernels below it, bf16
/// where the level has it) runs the net's own forward and backward passes on one thread, the
/// candidates taking turns so that a burst of other load hits them alike; the fastest training
/// pass wins. The result is kept per (CPU model, build) in the user's cache folder and reused;
/// `mpo bench --calibrate` measures again. A cache file that does not parse, names another CPU or
/// build, or holds numbers no measurement gives is ignored with a note and rewritten.
public enum Calibration {
    /// One candidate's speed: microseconds per image, one thread, the paper net, batch 64.
    public struct Timing: Codable, Hashable, Sendable {
        public var compute: Compute
        /// forward + backward (training)
        public var trainMicroseconds: Double
        /// forward only (maps)
        public var evalMicroseconds: Double

        public init(compute: Compute, trainMicroseconds: Double, evalMicroseconds: Double) {
            self.compute = compute
            self.trainMicroseconds = trainMicroseconds
            self.evalMicroseconds = evalMicroseconds
        }

        var isPlausible: Bool {
            [trainMicroseconds, evalMicroseconds].allSatisfy { $0.isFinite && $0 > 0 && $0 < 1e7 }
        }
    }

    /// What was measured and chosen, as kept in the cache.
    public struct Record: Codable, Hashable, Sendable {
        public var cpu: String
        public var build: String
        /// The level the candidates were measured under (MPO_ISA may cap it).
        public var level: ISA
        public var timings: [Timing]
        public var chosen: Compute
        public var measuredAt: Date

        /// "fp32 avx512 (measured: bf16 0.78x, fp32 avx2 0.77x)": the choice and every other
        /// candidate's training speed relative to it.
        public var summary: String {
            let best = timings.first { $0.compute == chosen }
            let others = timings.filter { $0.compute != chosen }.map { t -> String in
                guard let best else { return "\(t.compute.precision.rawValue) \(t.compute.isa)" }
                return String(format: "%@ %@ %.2fx", t.compute.precision.rawValue, t.compute.isa.rawValue, best.trainMicroseconds / t.trainMicroseconds)
            }
            let head = "\(chosen.precision.rawValue) \(chosen.isa)"
            return others.isEmpty ? "\(head) (the only path)" : "\(head) (measured: \(others.joined(separator: ", ")))"
        }
    }

    /// The paths worth measuring at `level`: fp32 there, fp32 through our AVX2 kernels when the
    /// level is above avx2 (OpenBLAS or our AVX-512 kernels may lose to them on some cores), bf16
    /// where the level multiplies bf16 natively.
    public static func candidates(level: ISA) -> [Compute] {
        var out = [Compute(isa: level, precision: .fp32)]
        if level != .avx2, level != .portable, level != .neon, ISA.avx2.isSupported {
            out.append(Compute(isa: .avx2, precision: .fp32))
        }
        if Compute.bf16Fast(on: level) { out.append(Compute(isa: level, precision: .bf16)) }
        return out
    }

    /// The fastest training path; within 3 % of the fastest, the earlier candidate (fp32 at the
    /// level first: the reference wins a tie).
    public static func choose(_ timings: [Timing]) -> Compute? {
        guard let best = timings.filter(\.isPlausible).min(by: { $0.trainMicroseconds < $1.trainMicroseconds }) else { return nil }
        return timings.first { $0.isPlausible && $0.trainMicroseconds <= best.trainMicroseconds * 1.03 }?.compute
    }

    /// Times each candidate on `net`'s forward and backward passes (batch 64, one thread), in
    /// turns, for about `seconds` in all; medians.
    public static func measure(_ candidates: [Compute], net: ModelSpec = .paper, seconds: Double = 1.5) throws -> [Timing] {
        let batch = 64
        var rng = Xoshiro256(seed: 7)
        let layout = ParameterLayout(net)
        let weights = layout.initialWeights(using: &rng)
        let images = (0..<(batch * net.inputSize)).map { _ in rng.uniform(0, 1) }
        let labels = (0..<batch).map { Int32($0 % net.classes) }
        var gradient = [Float](repeating: 0, count: layout.count)
        let nets = try candidates.map { try Network(spec: net, capacity: batch, compute: $0) }
        var train = [[Double]](repeating: [], count: candidates.count)
        var eval = [[Double]](repeating: [], count: candidates.count)
        let deadline = Date().addingTimeInterval(seconds)
        var round = 0
        repeat {
            for (k, network) in nets.enumerated() {
                images.withUnsafeBufferPointer { x in
                    weights.withUnsafeBufferPointer { w in
                        labels.withUnsafeBufferPointer { y in
                            gradient.withUnsafeMutableBufferPointer { g in
                                var t0 = DispatchTime.now().uptimeNanoseconds
                                _ = network.forward(images: x.baseAddress!, count: batch, weights: w.baseAddress!)
                                let forward = DispatchTime.now().uptimeNanoseconds - t0
                                t0 = DispatchTime.now().uptimeNanoseconds
                                _ = network.forward(images: x.baseAddress!, count: batch, weights: w.baseAddress!)
                                _ = network.crossEntropy(labels: y.baseAddress!)
                                network.backward(weights: w.baseAddress!, gradient: g.baseAddress!)
                                let both = DispatchTime.now().uptimeNanoseconds - t0
                                if round > 0 {  // the first round warms caches and packs
                                    eval[k].append(Double(forward) / 1e3 / Double(batch))
                                    train[k].append(Double(both) / 1e3 / Double(batch))
                                }
                            }
                        }
                    }
                }
            }
            round += 1
        } while Date() < deadline || round < 4
        func median(_ v: [Double]) -> Double { let s = v.sorted(); return s[s.count / 2] }
        return candidates.indices.map { Timing(compute: candidates[$0], trainMicroseconds: median(train[$0]), evalMicroseconds: median(eval[$0])) }
    }

    /// Where the record for this CPU and build lives.
    static var cachePath: String {
        get throws { try UserCache.path("calibration", UserCache.stem("\(CPU.modelName)|\(UserCache.buildIdentity)") + ".json") }
    }

    /// Hears what calibration does (measuring, ignoring a bad cache): each caller says where it
    /// goes (the command line prints it on stderr; a test collects it).
    public typealias Note = (String) -> Void

    private static let lock = NSLock()
    nonisolated(unsafe) private static var records: [ISA: Record] = [:]

    /// The record for `level`: this process's, else the cache's, else measured now and cached.
    public static func record(level: ISA = .default, remeasure: Bool = false, note: Note = { _ in }) -> Record {
        lock.lock()
        defer { lock.unlock() }
        if !remeasure, let r = records[level] { return r }
        let path = try? cachePath
        if !remeasure, let path, let r = readCache(path, level: level, note: note) {
            records[level] = r
            return r
        }
        let candidates = candidates(level: level)
        var r = Record(cpu: CPU.modelName, build: UserCache.buildIdentity, level: level, timings: [], chosen: candidates[0], measuredAt: Date())
        if candidates.count > 1 {
            note("calibrating --precision auto for this CPU (once per build; mpo bench --calibrate measures again)...")
            if let timings = try? measure(candidates), let best = choose(timings) {
                r.timings = timings
                r.chosen = best
            }
            note("auto = \(r.summary)")
        } else {
            r.timings = []
        }
        if let path { writeCache(r, to: path, level: level, note: note) }
        records[level] = r
        return r
    }

    /// The chosen path at `level` (fp32 where there is nothing to choose).
    public static func chosen(level: ISA = .default, note: Note = { _ in }) -> Compute {
        let r = record(level: level, note: note)
        return r.chosen.isa.isSupported ? r.chosen : Compute(isa: level, precision: .fp32)
    }

    /// A cached record when it is whole, for this CPU, build and level, and plausible; nil (with a
    /// note when the file exists) otherwise.
    static func readCache(_ path: String, level: ISA, note: Note) -> Record? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        func ignore(_ why: String) -> Record? {
            note("ignoring the calibration cache \(path): \(why); measuring again")
            return nil
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard data.count < 1 << 16 else { return ignore("too large to be ours") }
        let file: [String: Record]
        do {
            file = try decoder.decode([String: Record].self, from: data)
        } catch {
            return ignore("damaged (\(error.localizedDescription))")
        }
        guard let r = file[level.rawValue] else { return nil }
        guard r.cpu == CPU.modelName, r.build == UserCache.buildIdentity, r.level == level else {
            return ignore("written for another CPU, build or level")
        }
        let allowed = Set(candidates(level: level))
        guard r.timings.allSatisfy({ $0.isPlausible && allowed.contains($0.compute) }), allowed.contains(r.chosen),
              r.timings.isEmpty ? r.chosen == candidates(level: level)[0] : choose(r.timings) == r.chosen else {
            return ignore("its measurements do not support its choice")
        }
        return r
    }

    /// Adds the record for `level` to the file (other levels' records kept), atomically.
    static func writeCache(_ r: Record, to path: String, level: ISA, note: Note) {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        var file = FileManager.default.contents(atPath: path).flatMap { try? decoder.decode([String: Record].self, from: $0) } ?? [:]
        file[level.rawValue] = r
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(file) else { return }
        do { try AtomicFile.write([UInt8](data), to: path) } catch { note("could not keep the calibration (\(error))") }
    }
}
