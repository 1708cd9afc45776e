import Engine

/// Which kind of plane a checkpoint holds (`plane_kind` metadata): a trained MPO plane, or one
/// of fixed directions (`DirectionPlane`). Files without the key are MPO planes of the first
/// format and open unchanged; a kind this program does not know is refused, naming it.
public enum PlaneKind: String, CaseIterable, Sendable {
    case mpo, random, models, pca, curve, hessian

    /// Whether the plane is one of fixed directions (w0 + α·d1 + β·d2) rather than a trained one.
    public var isFixed: Bool { self != .mpo }

    public static func of(_ metadata: [String: String], path: String) throws -> PlaneKind {
        guard let text = metadata["plane_kind"] else { return .mpo }
        guard let kind = PlaneKind(rawValue: text) else {
            throw DataError(path, "plane kind \"\(Safetensors.printable(text, limit: 40))\" is not one this program knows (\(allCases.map(\.rawValue).joined(separator: ", "))); a newer version may have made it")
        }
        return kind
    }
}
