import ArgumentParser
import Engine
import Foundation
import MPO

/// `mpo transect CURVE`: loss and accuracy along a curve from `mpo curve`, and with --straight
/// along the segment between its ends, each with its barrier (the highest loss along the path
/// minus the mean of the ends' losses).
extension TransectCommand {
    func runCurve() throws {
        let file = try CurveFile.read(path: files[0])
        let net = file.net, curve = file.curve
        // A curve's points have no running statistics (it trains with batch statistics).
        let mode = try bn.mode(for: net, running: false, what: files[0])
        if net.batchNorm && mode == .batch && evalImages > 10_000 {
            throw ValidationError("--eval-images \(evalImages): a BatchNorm net with batch statistics sees all of them in one batch; at most 10000")
        }
        let images = try file.settings.dataset.load(Split(rawValue: split)!, from: data).prefix(evalImages)
        let evaluator = try Evaluator(
            net: net, data: images, chunk: net.batchNorm && mode == .batch ? images.count : 1000, workers: OptionCheck.resolvedWorkers(workers))
        try bn.apply(mode, to: evaluator, dataset: file.settings.dataset, from: data)
        let along = Transect(along: curve, count: points, evaluator: evaluator)
        let segment = straight ? Transect(from: curve.a, to: curve.b, count: points, evaluator: evaluator) : nil
        let barrier = along.barrier
        let low = along.accuracy.indices.min { along.accuracy[$0] < along.accuracy[$1] }!
        if json {
            var fields = [
                "\"curve_kind\": \"\(curve.kind.rawValue)\"", "\"step\": \(file.step)", "\"points\": \(points)",
                "\"split\": \"\(split)\"", "\"images\": \(images.count)", "\"bn_stats\": \(net.batchNorm ? "\"\(mode.rawValue)\"" : "null")",
                "\"barrier\": \(Self.number(barrier.height))", "\"barrier_t\": \(Self.number(barrier.t))",
                "\"min_accuracy\": \(Self.number(along.accuracy[low]))", "\"min_accuracy_t\": \(Self.number(along.t[low]))",
                "\"end_losses\": [\(Self.number(along.loss.first!)), \(Self.number(along.loss.last!))]",
                "\"end_accuracies\": [\(Self.number(along.accuracy.first!)), \(Self.number(along.accuracy.last!))]",
            ]
            if let segment {
                fields += ["\"straight_barrier\": \(Self.number(segment.barrier.height))", "\"straight_barrier_t\": \(Self.number(segment.barrier.t))",
                           "\"straight_min_accuracy\": \(Self.number(segment.accuracy.min()!))"]
            }
            print("{" + fields.joined(separator: ", ") + "}")
        } else {
            print("curve \((files[0] as NSString).lastPathComponent) (\(curve.kind.rawValue), step \(file.step)): \(points) points, \(images.count) \(split) images"
                + (bn.line(mode, net: net).map { "; " + $0 } ?? ""))
            print(String(format: "ends: loss %.4f (acc %.2f%%) at t=0, %.4f (acc %.2f%%) at t=1", along.loss.first!,
                         100 * along.accuracy.first!, along.loss.last!, 100 * along.accuracy.last!))
            print(String(format: "curve: barrier height %.4f at t=%.3f, lowest accuracy %.2f%% at t=%.3f",
                         barrier.height, barrier.t, 100 * along.accuracy[low], along.t[low]))
            if let segment {
                print(String(format: "straight: barrier height %.4f at t=%.3f, lowest accuracy %.2f%%",
                             segment.barrier.height, segment.barrier.t, 100 * segment.accuracy.min()!))
            }
        }
        if let out {
            let bytes = out.hasSuffix(".png")
                ? Self.plot(along, segment, title: "curve " + (files[0] as NSString).lastPathComponent).png
                : Array(Self.csv(along, segment).utf8)
            try AtomicFile.write(bytes, to: out)
            if !json { print("wrote \(out)") }
        }
    }

    /// A JSON number (null for NaN or infinity, which JSON has no words for).
    static func number(_ x: Double) -> String { x.isFinite ? String(format: "%.6g", x) : "null" }

    static func csv(_ along: Transect, _ segment: Transect?) -> String {
        guard let segment else { return along.csv }
        return "t,loss,accuracy,straight_loss,straight_accuracy\n" + along.t.indices.map {
            String(format: "%.6f,%.6f,%.6f,%.6f,%.6f", along.t[$0], along.loss[$0], along.accuracy[$0], segment.loss[$0], segment.accuracy[$0])
        }.joined(separator: "\n") + "\n"
    }

    /// Loss and accuracy against t, the curve and (with --straight) the segment in each panel.
    static func plot(_ along: Transect, _ segment: Transect?, title: String) -> Plot {
        func series(_ name: String, _ t: Transect, _ v: [Double]) -> Plot.Series {
            Plot.Series(name: name, points: zip(t.t, v).map { Plot.Point(x: $0, y: $1) })
        }
        let paths = [("curve", along)] + (segment.map { [("straight", $0)] } ?? [])
        return Plot(
            panels: [
                Plot.Panel(title: "LOSS", xLabel: "T", yLabel: "CROSS-ENTROPY", series: paths.map { series($0.0, $0.1, $0.1.loss) }, xRange: 0...1),
                Plot.Panel(title: "ACCURACY", xLabel: "T", yLabel: "ACCURACY", series: paths.map { series($0.0, $0.1, $0.1.accuracy) }, xRange: 0...1),
            ], title: title.uppercased())
    }
}
