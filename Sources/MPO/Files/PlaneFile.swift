import Engine
import Foundation

/// A saved plane of any kind, read once and told apart by its `plane_kind`.
public enum PlaneFile {
    case mpo(Checkpoint)
    case directions(DirectionPlane)

    public static func read(path: String, expecting net: ModelSpec? = nil) throws -> PlaneFile {
        let file = try Safetensors.read(path: path)
        if file.metadata["format"] == ModelFile.format {
            throw DataError(path, "is a model from mpo fit, not a plane: make one around it with mpo plane random \(path) --save NAME")
        }
        guard file.metadata["format"] == Checkpoint.format else { return .mpo(try Checkpoint.read(file, path: path)) }  // says what is wrong
        switch try PlaneKind.of(file.metadata, path: path) {
        case .mpo: return .mpo(try Checkpoint.read(file, path: path, expecting: net))
        case .random, .models, .pca, .curve, .hessian: return .directions(try DirectionPlane.read(file, path: path, expecting: net))
        }
    }

    /// Something to evaluate (an MPO plane with its axes made once).
    public var surface: any PlaneSurface {
        switch self {
        case .mpo(let c): c.state.plane.surface
        case .directions(let d): d
        }
    }

    public var net: ModelSpec {
        switch self {
        case .mpo(let c): c.config.net
        case .directions(let d): d.net
        }
    }

    public var dataset: DatasetKind {
        switch self {
        case .mpo(let c): c.config.dataset
        case .directions(let d): d.dataset
        }
    }

    /// The data folder the file names (MPO planes record it; direction planes use the default).
    public var dataDirectory: String? {
        if case .mpo(let c) = self { return c.config.dataDirectory }
        return nil
    }

    /// The weights at plane coordinates (a, b): ROW,COL of an MPO plane, α,β of a direction plane.
    public func weights(at a: Double, _ b: Double) -> [Float] {
        let p = frame.position(a, b)
        return surface.weights(row: p.row, col: p.col)
    }

    /// Where its default view lies and what its coordinates are called.
    public var frame: PlaneFrame {
        switch self {
        case .mpo(let c): PlaneFrame(pattern: c.pattern)
        case .directions(let d): d.frame
        }
    }
}
