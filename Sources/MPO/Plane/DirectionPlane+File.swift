import Engine
import Foundation

/// A direction plane as a checkpoint (safetensors, like an MPO plane's; `PlaneFile` tells them apart):
///   tensors  origin, direction_1, direction_2 [P] F32 (PyTorch `named_parameters()` order);
///            trajectory [T, 2] F32 (α, β per snapshot) and trajectory_steps [T] I64, when it has one;
///            statistics_origin, statistics_direction_1, statistics_direction_2 [S] F32 (BatchNorm
///            running statistics, `DirectionPlane.Statistics`), when its models had them
///   metadata format `losspatterns-plane`, format_version 1, plane_kind (random | models | pca),
///            the net (the checkpoints' keys, and `net_spec` as JSON), dataset, created,
///            norm, ignore, seed, sources (JSON list of file names), around (ROW,COL), markers
///            (JSON list of {name, alpha, beta}), variance_explained ("f1,f2"), view_radius; a hessian
///            plane also eigenvalues ("λ1,λ2") and hessian_images ("1000 train").
/// The version stays 1: a reader older than plane kinds refuses these files (they have no
/// training configuration), it does not misread them.
extension DirectionPlane {
    public func write(to path: String) throws {
        let s = statistics.map { $0.origin + $0.direction1 + $0.direction2 } ?? []
        guard origin.allSatisfy(\.isFinite), direction1.allSatisfy(\.isFinite), direction2.allSatisfy(\.isFinite), s.allSatisfy(\.isFinite) else {
            throw DataError(path, "not saved: the plane has non-finite values")
        }
        try file.write(to: path)
    }

    var file: Safetensors {
        var meta = ModelFile.netMetadata(net)
        func json<T: Encodable>(_ value: T) -> String { String(decoding: (try? JSONEncoder().encode(value)) ?? Data("null".utf8), as: UTF8.self) }
        meta.merge([
            "format": Checkpoint.format, "format_version": "1", "plane_kind": kind.rawValue,
            "net_spec": json(net), "dataset": dataset.rawValue, "created": ISO8601DateFormatter().string(from: created),
            "sources": json(recipe.sources), "markers": json(markers), "view_radius": String(radius),
        ]) { _, new in new }
        if let norm = recipe.norm { meta["norm"] = norm }
        meta["ignore"] = recipe.ignore ?? "none"
        if let seed = recipe.seed { meta["seed"] = String(seed) }
        if let around = recipe.around { meta["around"] = around }
        if !varianceExplained.isEmpty { meta["variance_explained"] = varianceExplained.map { String($0) }.joined(separator: ",") }
        if !eigenvalues.isEmpty { meta["eigenvalues"] = eigenvalues.map { String($0) }.joined(separator: ",") }
        if let images = recipe.hessianImages { meta["hessian_images"] = images }
        var tensors: [String: Safetensors.Tensor] = [
            "origin": .init(origin), "direction_1": .init(direction1), "direction_2": .init(direction2),
        ]
        if let statistics {
            tensors["statistics_origin"] = .init(statistics.origin)
            tensors["statistics_direction_1"] = .init(statistics.direction1)
            tensors["statistics_direction_2"] = .init(statistics.direction2)
        }
        if !trajectory.isEmpty {
            tensors["trajectory"] = .init(trajectory.flatMap { [Float($0.alpha), Float($0.beta)] }, shape: [trajectory.count, 2])
            tensors["trajectory_steps"] = .init(trajectory.map { Int64($0.name) ?? 0 })
        }
        return Safetensors(tensors: tensors, metadata: meta)
    }

    public static func read(path: String, expecting net: ModelSpec? = nil) throws -> DirectionPlane {
        guard case .directions(let d) = try PlaneFile.read(path: path, expecting: net) else {
            throw DataError(path, "is a trained MPO plane, not a plane of fixed directions")
        }
        return d
    }

    /// Coordinates further out than this are not a plane anyone made.
    static let maxCoordinate = 1e9

    static func read(_ file: Safetensors, path: String, expecting expected: ModelSpec?) throws -> DirectionPlane {
        let m = file.metadata
        func damaged(_ s: String) -> DataError { DataError(path, "damaged: \(s)") }
        guard let v = m["format_version"].flatMap(Int.init), v >= 1 else { throw damaged("format version missing") }
        guard v <= Checkpoint.version else {
            throw DataError(path, "checkpoint format version \(v) is newer than this program understands (\(Checkpoint.version))")
        }
        let kind = try PlaneKind.of(m, path: path)
        guard kind.isFixed else { throw damaged("not a direction plane") }
        guard let spec = m["net_spec"]?.data(using: .utf8), let net = try? JSONDecoder().decode(ModelSpec.self, from: spec) else {
            throw damaged("the net (net_spec) cannot be read")
        }
        guard let dataset = m["dataset"].flatMap(DatasetKind.init(rawValue:)) else { throw damaged("dataset missing or unknown") }
        // The bounds checkpoints have (before anything is sized from the net), then the net itself.
        try Checkpoint.checkLimits(TrainingConfig(preset: "fixed", net: net, batchSize: 1, cells: 1, learningRate: 1, dataset: dataset), path: path)
        do { try net.validate() } catch { throw damaged("\(error)") }
        let layout = ParameterLayout(net)
        guard m["parameters"] == layout.table else { throw damaged("its parameter table does not match its net") }
        if let expected, expected != net {
            throw DataError(path, "made for another net (\(net.summary)); this session runs \(expected.summary)")
        }
        func vector(_ name: String, _ count: Int) throws -> [Float] {
            let t = try file.tensor(name, in: path)
            guard t.dtype == .f32, t.count == count else {
                throw damaged("tensor \(name) has \(t.count) \(t.dtype.rawValue) values, expected \(count) F32")
            }
            let values = t.floats()
            guard values.allSatisfy(\.isFinite) else { throw damaged("tensor \(name) holds NaN or infinity") }
            return values
        }
        let p = layout.count
        var plane = DirectionPlane(
            kind: kind, net: net, dataset: dataset, origin: try vector("origin", p),
            direction1: try vector("direction_1", p), direction2: try vector("direction_2", p))
        let names = ["statistics_origin", "statistics_direction_1", "statistics_direction_2"]
        let stored = names.filter { file.tensors[$0] != nil }
        if !stored.isEmpty {
            let layout = StatisticsLayout(net)
            guard stored.count == 3, layout.count > 0 else {
                throw damaged(layout.count == 0 ? "BatchNorm statistics for a net without BatchNorm" : "BatchNorm statistics incomplete (\(stored.joined(separator: ", ")))")
            }
            let v = try names.map { try vector($0, layout.count) }
            guard layout.varianceIndices.allSatisfy({ v[0][$0] >= 0 }) else { throw damaged("statistics_origin has a negative variance") }
            plane.statistics = Statistics(origin: v[0], direction1: v[1], direction2: v[2], layout: layout)
        }
        func finite(_ x: Double) -> Bool { x.isFinite && abs(x) <= maxCoordinate }
        if let text = m["markers"] {
            guard let markers = try? JSONDecoder().decode([Marker].self, from: Data(text.utf8)), markers.count <= 26,
                  markers.allSatisfy({ finite($0.alpha) && finite($0.beta) && (1...8).contains($0.name.count) }) else {
                throw damaged("markers are not a short list of named, finite points")
            }
            plane.markers = markers.map { Marker(name: Safetensors.printable($0.name), alpha: $0.alpha, beta: $0.beta) }
        }
        if file.tensors["trajectory"] != nil {
            let t = try file.tensor("trajectory", in: path)
            guard t.dtype == .f32, t.shape.count == 2, t.shape[1] == 2, t.shape[0] <= 1 << 20 else {
                throw damaged("trajectory is \(t.shape) \(t.dtype.rawValue), expected [T, 2] F32")
            }
            let xy = t.floats().map(Double.init)
            guard xy.allSatisfy(finite) else { throw damaged("trajectory holds NaN, infinity or absurd coordinates") }
            var steps = [Int64](repeating: 0, count: t.shape[0])
            if file.tensors["trajectory_steps"] != nil {
                let s = try file.tensor("trajectory_steps", in: path)
                guard s.shape == [t.shape[0]] else { throw damaged("trajectory_steps is \(s.shape), expected [\(t.shape[0])]") }
                steps = s.int64s()
            }
            plane.trajectory = (0..<t.shape[0]).map { Marker(name: String(steps[$0]), alpha: xy[2 * $0], beta: xy[2 * $0 + 1]) }
        }
        if let text = m["variance_explained"] {
            let values = text.split(separator: ",").compactMap { Double($0) }
            guard values.count == 2, values.allSatisfy({ (0...1.000001).contains($0) }), values.reduce(0, +) <= 1.000001 else {
                throw damaged("variance_explained must be two fractions summing to at most 1")
            }
            plane.varianceExplained = values
        }
        if let text = m["eigenvalues"] {
            let values = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0) }
            guard (1...2).contains(values.count), let finite = values as? [Double], finite.allSatisfy({ $0.isFinite && abs($0) < 1e30 }) else {
                throw damaged("eigenvalues must be one or two finite numbers")
            }
            plane.eigenvalues = finite
        }
        plane.recipe.hessianImages = m["hessian_images"].map { Safetensors.printable($0, limit: 40) }
        plane.recipe.norm = m["norm"].map { Safetensors.printable($0, limit: 20) }
        plane.recipe.ignore = m["ignore"] == "biasbn" ? "biasbn" : nil
        plane.recipe.seed = m["seed"].flatMap(UInt64.init)
        plane.recipe.around = m["around"].map { Safetensors.printable($0, limit: 40) }
        plane.recipe.sources = (m["sources"].flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? [])
            .prefix(8).map { Safetensors.printable($0) }
        plane.created = m["created"].flatMap { ISO8601DateFormatter().date(from: $0) } ?? Date(timeIntervalSince1970: 0)
        return plane
    }
}
