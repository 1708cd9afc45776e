extension Session {
    /// Loss and accuracy at one plane position, on both splits (`ProbeJob`).
    public struct Probe: Sendable, Equatable {
        public var row: Double, col: Double
        public var step: Int
        public var trainLoss: Float, trainAccuracy: Float
        public var testLoss: Float, testAccuracy: Float
    }
}
