extension Session {
    /// The Hessian's top eigenvalue at one plane position (`CurvatureJob`), asked for with
    /// `.curvature`: how sharp the loss is there, on the map's split.
    public struct Curvature: Sendable, Equatable {
        public var row: Double, col: Double
        /// Step of the plane it was asked on, the split and images its loss is taken over.
        public var step: Int
        public var split: Split
        public var images: Int
        /// Hessian-vector products done, and the most the estimate takes.
        public var products: Int, maxProducts: Int
        /// λ1 as the products so far estimate it (nil before the first); final once `done`.
        public var estimate: Double?
        public var done: Bool
        /// Why it stopped without a value (a one-line message), else nil.
        public var failure: String?
    }
}
