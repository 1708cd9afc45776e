import Foundation

extension Session {
    /// The two plane positions (grid units) a transect runs between, and, for a path in the plane
    /// (a curve plane's curve), the positions it runs through instead of the straight segment.
    public struct TransectEnds: Sendable, Equatable {
        public var start: (row: Double, col: Double)
        public var end: (row: Double, col: Double)
        /// Positions from `start` to `end`, evenly spaced in the path's own parameter t (each is
        /// one point of the profile); nil: the straight segment in weight space.
        public var path: [(row: Double, col: Double)]?

        public init(start: (row: Double, col: Double), end: (row: Double, col: Double)) {
            self.start = start
            self.end = end
        }

        /// Along `path` (two positions or more).
        public init(path: [(row: Double, col: Double)]) {
            precondition(path.count >= 2)
            self.init(start: path[0], end: path[path.count - 1])
            self.path = path
        }

        public static func == (x: Self, y: Self) -> Bool {
            guard x.start == y.start && x.end == y.end else { return false }
            switch (x.path, y.path) {
            case (nil, nil): return true
            case let (p?, q?): return p.count == q.count && zip(p, q).allSatisfy { $0 == $1 }
            default: return false
            }
        }
    }

    /// The loss and accuracy along the straight segment in weight space between the weights at two
    /// plane positions (on a direction plane it lies in the plane; on an MPO plane it leaves it
    /// between the ends), on the map's split and images.
    public struct TransectProfile: Sendable {
        public var ends: TransectEnds
        public var split: Split
        /// Step of the plane it was computed on.
        public var step: Int
        /// Images of the split behind each point.
        public var images: Int
        public var transect: Transect
    }

    /// Points along an explorer transect, both ends included.
    public static let transectPoints = 41
}
