extension Session {
    /// One of the session's two planes, as the dialogs that could throw it away describe it.
    public struct PlaneStatus: Sendable, Equatable {
        public var batchNorm: Bool
        public var step: Int
        public var unsavedSteps: Int
        public var lastSavedPath: String?

        public init(batchNorm: Bool, step: Int, unsavedSteps: Int, lastSavedPath: String? = nil) {
            self.batchNorm = batchNorm
            self.step = step
            self.unsavedSteps = unsavedSteps
            self.lastSavedPath = lastSavedPath
        }

        /// "plain" or "BatchNorm".
        public var name: String { batchNorm ? "BatchNorm" : "plain" }
    }
}
