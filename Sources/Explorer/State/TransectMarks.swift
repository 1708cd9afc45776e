import MPO

/// The ends of the explorer's transect as the user marks them: `v` marks the cursor as the start,
/// again as the end, a third time clears; `V` puts them on a pair of a fixed plane's markers and,
/// on a curve plane, then along the curve itself.
public struct TransectMarks: Sendable {
    /// Grid positions (pattern cells, or (−β, α)).
    public internal(set) var start: (row: Double, col: Double)?
    public internal(set) var end: (row: Double, col: Double)?
    /// The positions of a path the transect follows (a curve plane's curve), start to end.
    public internal(set) var path: [(row: Double, col: Double)]?
    /// The marker pair last chosen (index into `markerPairs`; one past them: the curve).
    public internal(set) var markerPair: Int?

    /// A–B, B–C, A–C (as marker indices).
    static let markerPairs = [(0, 1), (1, 2), (0, 2)]

    /// Both ends, once both are marked.
    public var ends: Session.TransectEnds? {
        guard let start, let end else { return nil }
        if let path { return Session.TransectEnds(path: path) }
        return Session.TransectEnds(start: start, end: end)
    }

    var isEmpty: Bool { start == nil && end == nil }

    /// The next step of `v` at position p: start, end, then cleared.
    mutating func mark(_ p: (row: Double, col: Double)) {
        markerPair = nil
        path = nil
        if end != nil {
            self = TransectMarks()
        } else if start != nil {
            end = p
        } else {
            start = p
        }
    }

    /// The next pair of `markers` after the one shown (A–B first), and after the pairs the curve
    /// through `curve`'s points (a curve plane's path) when there is one; what was chosen, as "A-B"
    /// or "along the curve"; nil when there are fewer than two markers.
    mutating func nextPair(of markers: [DirectionPlane.Marker], frame: PlaneFrame, curve: [DirectionPlane.Marker]? = nil) -> String? {
        let pairs = Self.markerPairs.filter { $0.1 < markers.count }
        guard !pairs.isEmpty else { return nil }
        let withCurve = (curve?.count ?? 0) >= 2
        let k = markerPair.map { ($0 + 1) % (pairs.count + (withCurve ? 1 : 0)) } ?? 0
        markerPair = k
        if k == pairs.count, let curve {
            let positions = curve.map { frame.position($0.alpha, $0.beta) }
            (start, end, path) = (positions.first, positions.last, positions)
            return "along the curve"
        }
        let (i, j) = pairs[k]
        start = frame.position(markers[i].alpha, markers[i].beta)
        end = frame.position(markers[j].alpha, markers[j].beta)
        path = nil
        return "\(markers[i].name)-\(markers[j].name)"
    }
}
