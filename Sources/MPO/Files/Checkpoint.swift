import Engine
import Foundation

/// A saved plane: everything needed to look at it again or to resume training exactly.
/// Stored as safetensors (opens in Python with `safetensors.numpy.load_file`):
///   tensors  origin, right_param, up_param [P] F32; scale [1] F32; pattern [H, W] U8 (1 = black);
///            adam_m, adam_v [3P + 1] F32 (moments over origin|right_param|up_param|scale)
///   metadata format, format_version, the net (same keys as the parity fixtures, with its
///            parameter table), dataset, preset, training settings, step, seed, rng_state,
///            pattern_name, created, and `config` (the whole TrainingConfig as JSON).
public struct Checkpoint: TrainingFile {
    public static let format = "losspatterns-plane"
    public static let version = 1

    public var config: TrainingConfig
    public var pattern: Pattern
    public var state: Trainer.State
    public var created: Date
    /// More `__metadata__` entries, written as given (e.g. the explorer's `live_plan`); they never
    /// replace the standard keys.
    public var notes: [String: String] = [:]

    public init(config: TrainingConfig, pattern: Pattern, state: Trainer.State, created: Date = Date()) {
        self.config = config
        self.pattern = pattern
        self.state = state
        self.created = created
    }

    public var step: Int { state.adam.step }

    /// Refuses to write a plane or optimiser state holding NaN or infinity: a diverged run must
    /// never replace a good checkpoint.
    public func write(to path: String) throws {
        let plane = state.plane
        guard plane.parameters.allSatisfy(\.isFinite) else { throw DataError(path, "not saved: the plane has non-finite values (training diverged)") }
        guard state.adam.m.allSatisfy(\.isFinite), state.adam.v.allSatisfy(\.isFinite) else {
            throw DataError(path, "not saved: the optimiser state has non-finite values")
        }
        try file.write(to: path)
    }

    public var file: Safetensors {
        let p = state.plane.count
        // The net's keys (sizes, parameter table, description) as model and direction-plane files write them.
        var meta = ModelFile.netMetadata(config.net)
        meta.merge([
            "format": Self.format, "format_version": String(Self.version), "plane_kind": PlaneKind.mpo.rawValue,
            "dataset": config.dataset.rawValue, "preset": config.preset,
            "batch_size": String(config.batchSize), "cells": String(config.cells), "lr": String(config.learningRate),
            "clip": String(config.clip(for: pattern)), "grad_clip": String(config.gradientClip), "seed": String(config.seed),
            "step": String(state.adam.step), "rng_state": state.rng.words.map { String($0, radix: 16) }.joined(separator: ","),
            "pattern_name": pattern.name, "created": ISO8601DateFormatter().string(from: created),
            // What computed the plane (the run's choice; `config` holds it too).
            "precision": config.compute.precision.rawValue, "isa": config.compute.isa.rawValue,
        ]) { _, plane in plane }
        if let json = try? JSONEncoder().encode(config), let s = String(data: json, encoding: .utf8) { meta["config"] = s }
        meta.merge(notes) { standard, _ in standard }
        let params = state.plane.parameters
        var tensors: [String: Safetensors.Tensor] = [
                "origin": .init(Array(params[0..<p])),
                "right_param": .init(Array(params[p..<(2 * p)])),
                "up_param": .init(Array(params[(2 * p)..<(3 * p)])),
                "scale": .init([params[3 * p]]),
                "pattern": .init(pattern.bits, shape: [pattern.height, pattern.width]),
                "adam_m": .init(state.adam.m),
                "adam_v": .init(state.adam.v),
            ]
        // `CellFocus.wrong`'s memory of each trained cell, so a resumed run draws as it would have.
        if let weights = state.cellWeights { tensors["cell_wrongness"] = .init(weights.wrongness) }
        return Safetensors(tensors: tensors, metadata: meta)
    }

    /// Reads and checks a checkpoint; `expecting` refuses one made for another net. A plane of
    /// fixed directions is refused here, saying so: it opens through `PlaneFile.read`.
    public static func read(path: String, expecting net: ModelSpec? = nil) throws -> Checkpoint {
        try read(try Safetensors.read(path: path), path: path, expecting: net)
    }

    static func read(_ file: Safetensors, path: String, expecting net: ModelSpec? = nil) throws -> Checkpoint {
        let m = file.metadata
        guard m["format"] == format else {
            throw DataError(path, "not a LossPatterns checkpoint (format \(m["format"].map { "\"\(Safetensors.printable($0))\"" } ?? "missing"))")
        }
        guard let v = m["format_version"].flatMap(Int.init), v >= 1 else {
            throw DataError(path, "damaged: format version \(Safetensors.printable(m["format_version"] ?? "missing"))")
        }
        guard v <= version else {
            throw DataError(path, "checkpoint format version \(v) is newer than this program understands (\(version))")
        }
        let kind = try PlaneKind.of(m, path: path)
        guard kind == .mpo else {
            throw DataError(path, "is a fixed \(kind.rawValue) plane (made by mpo plane), not a trained MPO plane: it has nothing to train or resume")
        }
        guard let json = m["config"]?.data(using: .utf8), var config = try? JSONDecoder().decode(TrainingConfig.self, from: json) else {
            throw DataError(path, "damaged: the training configuration cannot be read")
        }
        try checkLimits(config, path: path)  // first: validate() multiplies sizes without overflow checks
        do { try config.net.validate() } catch { throw DataError(path, "damaged: \(error)") }
        config.preset = Safetensors.printable(config.preset)
        let layout = ParameterLayout(config.net)
        guard m["parameters"] == layout.table else {
            throw DataError(path, "damaged: its parameter table does not match its architecture")
        }
        if let net, net != config.net {
            throw DataError(path, "made for another net (\(config.net.summary)); this session runs \(net.summary)")
        }
        let p = layout.count
        func vector(_ name: String, _ count: Int) throws -> [Float] {
            let t = try file.tensor(name, in: path)
            guard t.dtype == .f32, t.count == count else {
                throw DataError(path, "damaged: tensor \(name) has \(t.count) \(t.dtype.rawValue) values, expected \(count) F32")
            }
            let values = t.floats()
            guard values.allSatisfy(\.isFinite) else { throw DataError(path, "damaged: tensor \(name) holds NaN or infinity") }
            return values
        }
        let parameters = try vector("origin", p) + vector("right_param", p) + vector("up_param", p) + vector("scale", 1)
        let patternTensor = try file.tensor("pattern", in: path)
        guard patternTensor.dtype == .u8, patternTensor.shape.count == 2,
              (Pattern.minSide...Pattern.maxSide).contains(patternTensor.shape[0]),
              (Pattern.minSide...Pattern.maxSide).contains(patternTensor.shape[1]) else {
            throw DataError(path, "damaged: pattern tensor must be U8 [H, W] with sides \(Pattern.minSide)...\(Pattern.maxSide)")
        }
        let pattern = Pattern(
            width: patternTensor.shape[1], height: patternTensor.shape[0], bits: patternTensor.data,
            name: Safetensors.printable(m["pattern_name"] ?? "pattern"))
        var adam = Optimizer(.adam, count: 3 * p + 1, learningRate: config.learningRate)
        adam.m = try vector("adam_m", 3 * p + 1)
        adam.v = try vector("adam_v", 3 * p + 1)
        guard let step = m["step"].flatMap(Int.init), (0...Limits.maxStep).contains(step) else { throw DataError(path, "damaged: step missing or out of range") }
        adam.step = step
        let words = (m["rng_state"] ?? "").split(separator: ",").compactMap { UInt64($0, radix: 16) }
        guard words.count == 4 else { throw DataError(path, "damaged: rng_state missing") }
        config.dataDirectory = config.dataDirectory.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
        let created = m["created"].flatMap { ISO8601DateFormatter().date(from: $0) } ?? Date(timeIntervalSince1970: 0)
        let plane = Plane(count: p, parameters: parameters, height: pattern.height, width: pattern.width)
        var weights: CellWeights?
        if file.tensors["cell_wrongness"] != nil {
            let trained = pattern.trainedCells
            let wrongness = try vector("cell_wrongness", trained.good.count + trained.bad.count)
            guard wrongness.allSatisfy({ (0...1).contains($0) }) else { throw DataError(path, "damaged: cell_wrongness outside 0...1") }
            weights = CellWeights(wrongness: wrongness)
        }
        return Checkpoint(
            config: config, pattern: pattern,
            state: Trainer.State(plane: plane, adam: adam, rng: Xoshiro256(state: words), cellWeights: weights),
            created: created)
    }

    /// Refuses a net or settings beyond the `Limits` (a file can come from anyone), before anything
    /// is built and before `validate()`, which multiplies sizes without overflow checks.
    static func checkLimits(_ c: TrainingConfig, path: String) throws {
        func refuse(_ what: String) throws -> Never { throw DataError(path, "damaged or not ours: \(what)") }
        let net = c.net
        if net.convChannels.count > Limits.convLayers + 1 || net.convChannels.contains(where: { $0 > Limits.channels }) {
            try refuse("conv channels \(net.convChannels.prefix(20)) exceed \(Limits.convLayers) layers of \(Limits.channels)")
        }
        if net.dense.count > Limits.denseLayers || net.dense.contains(where: { $0 > Limits.denseSize }) {
            try refuse("dense sizes \(net.dense.prefix(20)) exceed \(Limits.denseLayers) layers of \(Limits.denseSize)")
        }
        if net.inputShape != c.dataset.imageShape || net.classes != 10 {
            try refuse("a net for \(net.inputShape) images and \(net.classes) classes does not fit \(c.dataset.rawValue)")
        }
        // P from the plan, once the sizes above bound its products far from overflowing (a net
        // that fails validate() is refused by the caller, saying why).
        if (try? net.validate()) != nil, LayerPlan(net).parameterCount > Limits.parameters {
            try refuse("the net has more than \(Limits.parameters) parameters")
        }
        guard Limits.batch.contains(c.batchSize), Limits.cells.contains(c.cells) else {
            try refuse("batch \(c.batchSize) or cells \(c.cells) out of range")
        }
        let rates = [c.learningRate, c.clip, c.unevenClip ?? c.clip, c.gradientClip, c.initialScale]
        guard rates.allSatisfy(\.isFinite), c.learningRate > 0, c.gradientClip > 0 else {
            try refuse("learning rate, clamp or clipping is not a usable number")
        }
    }

    /// What a checkpoint browser lists, read from the header alone when possible.
    public struct Summary: Sendable {
        public var path: String
        public var net: ModelSpec
        public var preset: String
        public var step: Int
        public var created: Date
        public var pattern: Pattern
        public var dataset: String
    }

    public static func summary(path: String) throws -> Summary {
        let c = try read(path: path)
        return Summary(
            path: path, net: c.config.net, preset: c.config.preset, step: c.step, created: c.created, pattern: c.pattern,
            dataset: c.config.dataset.rawValue)
    }
}
