import Foundation

/// Training speed over the last `window` steps: compute time per step (what the cores did while
/// a step ran) and wall-clock steps per second (everything between steps included, e.g. the
/// explorer's map work).
public struct Throughput: Sendable {
    public static let window = 20

    private var seconds: [Double] = []
    private var cellImages: [Int] = []
    /// When the recent steps finished (one more than the window, for window intervals).
    private var finished: [Date] = []

    public init() {}

    mutating func record(_ r: some TrainingStep, at time: Date = Date()) {
        seconds.append(r.seconds)
        cellImages.append(r.images)
        finished.append(time)
        if seconds.count > Self.window {
            seconds.removeFirst()
            cellImages.removeFirst()
        }
        if finished.count > Self.window + 1 { finished.removeFirst() }
    }

    /// Forgets the wall clock (after a pause: a pause is not slow training).
    public mutating func resetClock() { finished.removeAll() }

    /// Steps per second of compute time.
    public var stepsPerComputeSecond: Double {
        let s = seconds.reduce(0, +)
        return s > 0 ? Double(seconds.count) / s : 0
    }

    /// Cell-images (a model's trainer: images) per second of compute time.
    public var cellImagesPerSecond: Double {
        let s = seconds.reduce(0, +)
        return s > 0 ? Double(cellImages.reduce(0, +)) / s : 0
    }

    /// Steps per second on the wall clock; 0 until two steps have finished since the last reset.
    public var stepsPerSecond: Double {
        guard finished.count >= 2 else { return 0 }
        let span = finished.last!.timeIntervalSince(finished.first!)
        return span > 0 ? Double(finished.count - 1) / span : 0
    }
}
