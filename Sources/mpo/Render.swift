import ArgumentParser
import Engine
import Foundation
import MPO

/// `mpo render`: a saved plane's loss or accuracy over a viewport, to PNG, CSV or PGM.
struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render", abstract: "Render a saved plane's heatmap to PNG, CSV or PGM.",
        discussion: """
            Evaluates the plane at a grid of points (the viewport) on the first \
            --eval-images images of the split, and writes the format of --out's extension:
              .png  a colour picture with a legend: the metric and split, and a
                    colour bar labelled with its values
              .csv  the values, one line per viewport row, under a header
                    giving the viewport and metric
              .pgm  gray, one pixel per sample unless --pixels says otherwise
                    (P5; P2 with --plain)

            Orientation: like the pattern. Dark means good — low loss, or high accuracy (the accuracy scale \
            is reversed) — so a trained plane shows its pattern's black cells dark in either metric, with \
            row 0 at the top. The PNG's colour bar runs from dark (left) to bright (right) and is labelled \
            with the values there.

            The viewport is in plane coordinates. For an MPO plane they are pattern cells (plane position \
            (r, c) is pattern cell (r, c)) and the default view is the pattern with --margin cells around it \
            (default 1), --samples-per-cell samples per cell (default 4). For a direction plane (`mpo plane`) \
            they are (α, β), w = origin + α·d1 + β·d2, and the default view is α, β in [-1, 1] (widened to \
            hold its markers and trajectory) on 51x51 samples, so the centre sample is the origin model; \
            there --margin and --samples-per-cell count in steps of that grid (2r/50 for α, β in [-r, r]; \
            defaults 0 and 1), the PNG \
            has α/β axes and shows the markers and trajectory. --zoom sets the plane units per sample, \
            --rows/--cols the number of samples, --center the middle (ROW,COL or α,β; write --center=-0.5,0 \
            when it starts with -).

            Also prints, for an MPO plane, its score on the pattern's own cells (one sample per cell, same \
            split and images: the gap is the mean accuracy on trained black cells minus that on trained white \
            cells); for a direction plane, the loss at its origin and markers. The summary gives the wall \
            time of the map's evaluation and its speed in cell-images/s (samples x images per second).
            """)

    @Argument(help: "A checkpoint (.safetensors) saved by `mpo train`, the explorer or `mpo plane`.") var checkpoint: String
    @Option(name: .shortAndLong, help: "Output file, .png, .csv or .pgm (default: <checkpoint>-<split>-<metric>.png).") var out: String?
    @Option(help: "Data split: train or test.") var split = "test"
    @Option(help: "loss (cross-entropy) or accuracy.") var metric = "loss"
    @Option(help: "Images of the split to evaluate on (the first N), 1...60000.") var evalImages = 500
    @Option(help: "Samples down (default: enough for the margin and samples per cell).") var rows: Int?
    @Option(help: "Samples across (default: enough for the margin and samples per cell).") var cols: Int?
    @Option(help: "Pattern cells per sample, above 0 (default: 1 / --samples-per-cell).") var zoom: Double?
    @Option(help: "Plane position at the centre of the view: ROW,COL in pattern cells, or α,β of a direction plane (default: the pattern's centre; the origin).") var center: String?
    @Option(help: "Cells around the pattern in the default view, 0...1000 (default: 1; direction planes 0).") var margin: Double?
    @Option(help: "Samples per pattern cell in the default view, above 0, at most 1000 (default: 4; direction planes 1).") var samplesPerCell: Double?
    @Option(help: "PNG colour map: viridis, diverging (blue low, red high) or gray.") var colormap = "viridis"
    @Flag(help: "Logarithmic colour scale (loss only).") var log = false
    @Option(help: ArgumentHelp(
        "Values at the ends of the colour scale: LO,HI.",
        discussion: "Default: for loss, its minimum up to the training clamp c (2.5; the whole range with --log); for accuracy, its min and max. Values beyond are drawn in the end colours.")) var range: String?
    @Flag(help: "Draw the pattern's black/white boundaries, and its extent dashed, on the PNG.") var edges = false
    @Option(help: "Pixels per sample side (default: PNG at least 400 pixels wide; PGM 1).") var pixels: Int?
    @Flag(help: "PNG without title and colour bar.") var noLegend = false
    @Flag(help: "Write PGM as text (P2) instead of binary (P5).") var plain = false
    @Option(help: "Worker threads, 1 or more; capped at the cores (default: all cores).") var workers: Int?

    enum Format: String { case png, csv, pgm }

    func validate() throws {
        guard Split(rawValue: split) != nil else { throw ValidationError("--split must be train or test, not \(split)") }
        guard let m = Heatmap.Metric(rawValue: metric) else { throw ValidationError("--metric must be loss or accuracy, not \(metric)") }
        guard ColorMap(rawValue: colormap) != nil else {
            throw ValidationError("--colormap must be one of \(ColorMap.allCases.map(\.rawValue).joined(separator: ", ")), not \(colormap)")
        }
        if log && m == .accuracy { throw ValidationError("--log is for loss only") }
        try OptionCheck.count("--eval-images", evalImages, 1...60_000)
        try OptionCheck.workers(workers)
        try OptionCheck.number("--margin", margin, 0...1000)
        try OptionCheck.number("--samples-per-cell", samplesPerCell, 0...1000, above: true)
        try OptionCheck.number("--zoom", zoom, 0...1e6, above: true)
        try OptionCheck.outputFile("--out", out)
        do { try ByteReader.checkRegularFile(checkpoint) } catch let e as DataError {
            throw OptionCheck.fail("checkpoint", OptionCheck.shown(checkpoint), e.problem)
        }
        guard rows.map({ (1...4000).contains($0) }) ?? true, cols.map({ (1...4000).contains($0) }) ?? true else {
            throw ValidationError("--rows and --cols must be 1...4000")
        }
        guard zoom.map({ $0 > 0 && $0.isFinite }) ?? true, samplesPerCell.map({ $0 > 0 }) ?? true, margin.map({ $0 >= 0 }) ?? true else {
            throw ValidationError("--zoom and --samples-per-cell must be positive, --margin at least 0")
        }
        guard pixels.map({ (1...64).contains($0) }) ?? true else { throw ValidationError("--pixels must be 1...64") }
        _ = try pair(center, "--center", "ROW,COL")
        if let r = try pair(range, "--range", "LO,HI"), !(r.0 < r.1) { throw ValidationError("--range needs LO < HI") }
    }

    func outputPath() -> String {
        out ?? ((checkpoint as NSString).deletingPathExtension + "-\(split)-\(metric).png")
    }

    /// From the output's extension; checked with its folder before any evaluation starts.
    func format() throws -> Format {
        let path = outputPath()
        guard let f = Format(rawValue: (path as NSString).pathExtension.lowercased()) else {
            throw DataError(path, "unknown output format; name it .png, .csv or .pgm")
        }
        let folder = OptionCheck.parentFolder(path)
        var isDirectory: ObjCBool = false
        guard folder.isEmpty || FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) && isDirectory.boolValue else {
            throw DataError(path, "cannot write: folder \(folder) does not exist")
        }
        return f
    }

    func pair(_ text: String?, _ option: String, _ shape: String) throws -> (Double, Double)? {
        guard let text else { return nil }
        let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let a = parts[0], let b = parts[1], a.isFinite, b.isFinite else {
            throw ValidationError("\(option) must be \(shape), two numbers, not \(text)")
        }
        return (a, b)
    }

    /// The default view: the frame (the pattern, or a direction plane's α, β square) with `margin`
    /// frame cells around it at `samplesPerCell` samples per frame cell.
    func viewport(for frame: PlaneFrame) throws -> Viewport {
        let margin = self.margin ?? (frame.axes == .cells ? 1 : 0), perCell = samplesPerCell ?? (frame.axes == .cells ? 4 : 1)
        let h = Double(frame.rows) + 2 * margin, w = Double(frame.cols) + 2 * margin
        let z = zoom.map { $0 / frame.cell } ?? 1 / perCell  // in frame cells per sample
        guard self.rows != nil || h / z <= 4000, self.cols != nil || w / z <= 4000 else {
            throw ValidationError("a view of \(String(format: "%.0f", h / z))x\(String(format: "%.0f", w / z)) samples is more than 4000 a side; use --zoom or --rows/--cols")
        }
        let rows = self.rows ?? max(1, Int((h / z).rounded())), cols = self.cols ?? max(1, Int((w / z).rounded()))
        guard rows * cols <= 4_000_000 else { throw ValidationError("a \(rows)x\(cols) view is too many samples; use --zoom or --rows/--cols") }
        let c = try pair(center, "--center", frame.axes == .cells ? "ROW,COL" : "α,β").map { frame.position($0.0, $0.1) }
            ?? (frame.centerRow, frame.centerCol)
        let fit = frame.cell * max(h / Double(rows), w / Double(cols))
        return Viewport(centerRow: c.0, centerCol: c.1, zoom: zoom ?? fit, rows: rows, cols: cols)
    }

    @OptionGroup var precision: PrecisionOption
    @OptionGroup var bn: BNStatsOption

    func run() throws {
        let compute = try precision.compute()
        let split = Split(rawValue: self.split)!, metric = Heatmap.Metric(rawValue: self.metric)!
        let format = try format(), path = outputPath()
        let saved = try PlaneFile.read(path: checkpoint)
        let net = saved.net, dataset = saved.dataset, frame = saved.frame
        let mode: BNStats
        switch saved {
        case .mpo: mode = try bn.mode(for: net, running: false, mpo: true, what: checkpoint)
        case .directions(let d): mode = try bn.mode(for: net, running: d.statistics != nil, what: checkpoint)
        }
        let workers = OptionCheck.resolvedWorkers(workers)
        try OptionCheck.memory(
            MemoryEstimate.evaluator(net, images: min(evalImages, dataset.count(of: split)), workers: workers)
                + MemoryEstimate.data(dataset, images: evalImages),
            blame: "--eval-images \(evalImages) on the checkpoint's net")
        let data = try dataset.load(split, from: saved.dataDirectory).prefix(evalImages)
        let evaluator = try Evaluator(net: net, data: data, workers: workers, compute: compute)
        try bn.apply(mode, to: evaluator, dataset: dataset, from: saved.dataDirectory)
        let view = try viewport(for: frame)
        let bnLine = bn.line(mode, net: net)
        let surface = saved.surface
        var step = 0, clip = TrainingConfig.live.clip, subtitle: String, notes: [String], outline: Pattern?, marks = HeatmapImage.Marks()
        switch saved {
        case .mpo(let c):
            let pattern = c.pattern
            step = c.step
            clip = c.config.clip(for: pattern)
            print("plane \(checkpoint): pattern \(pattern.name) \(pattern.width)x\(pattern.height), step \(c.step), net \(net.summary)")
            let score = evaluator.score(plane: c.state.plane, pattern: pattern)
            print(String(format: "score on the pattern's cells (%@, %d images): gap %.3f (accuracy black %.3f, white %.3f), loss black %.3f, white %.3f, match %.2f",
                         split.rawValue, data.count, score.gap, score.goodAccuracy, score.badAccuracy, score.goodLoss, score.badLoss, score.match))
            subtitle = "\(pattern.name) \(pattern.width)x\(pattern.height), step \(c.step), \(data.count) images"
            notes = ["checkpoint \(checkpoint); pattern \(pattern.name) \(pattern.width)x\(pattern.height); net \(net.summary)"]
            outline = edges ? pattern : nil
        case .directions(let d):
            print("plane \(checkpoint): \(d.description), from \(d.recipe.sources.joined(separator: ", ")); net \(net.summary)"
                + (bnLine.map { "; " + $0 } ?? ""))
            if d.varianceExplained.count == 2 {
                print(String(format: "variance explained: d1 %.2f%%, d2 %.2f%%", 100 * d.varianceExplained[0], 100 * d.varianceExplained[1]))
            }
            if !d.eigenvalues.isEmpty {
                print("Hessian eigenvalues: " + d.eigenvalues.enumerated().map { String(format: "λ%d %.6g", $0.offset + 1, $0.element) }.joined(separator: ", "))
            }
            // The origin and the markers, each evaluated at its own point.
            let named = [DirectionPlane.Marker(name: "origin", alpha: 0, beta: 0)] + d.markers
            let values = evaluator.evaluate(d, at: named.map { frame.position($0.alpha, $0.beta) })
            print(zip(named, values).map { m, v in
                String(format: "%@ (%.3g, %.3g): %@ loss %.4f, accuracy %.4f", m.name, m.alpha, m.beta, split.rawValue, v.loss, v.accuracy)
            }.joined(separator: "\n"))
            subtitle = "\(d.kind.rawValue) plane, \(d.recipe.sources.first ?? ""), \(data.count) images" + (net.batchNorm ? ", BN \(mode.rawValue)" : "")
            notes = ["checkpoint \(checkpoint); \(d.kind.rawValue) plane (\(d.description)); net \(net.summary)",
                     "grid positions: row = -beta, col = alpha"] + (bnLine.map { [$0] } ?? [])
            outline = nil
            marks = HeatmapImage.Marks(d)
        }

        let start = Date()
        let map = evaluate(evaluator, surface: surface, view: view, split: split, step: step)
        let seconds = Date().timeIntervalSince(start)
        let colorMap = ColorMap(rawValue: colormap)!
        let scale = try pair(range, "--range", "LO,HI").map { HeatmapScale(metric: metric, range: Float($0.0)...Float($0.1), logarithmic: log) }
            ?? HeatmapScale.standard(for: map.values(metric), metric: metric, logarithmic: log, clip: clip)
        let bytes: [UInt8]
        var size = ""
        switch format {
        case .png:
            var options = HeatmapImage.Options()
            options.colorMap = colorMap
            options.logarithmic = log
            options.range = scale.range
            options.pixelsPerSample = pixels
            options.legend = !noLegend
            options.edges = outline
            options.subtitle = subtitle
            options.axes = frame
            options.marks = marks
            let image = HeatmapImage(heatmap: map, metric: metric, options: options)
            bytes = image.png
            size = "\(image.image.width)x\(image.image.height) pixels, \(colorMap.rawValue), "
        case .csv:
            bytes = Array(map.csv(metric, notes: notes + ["\(data.name), first \(data.count) images"], frame: frame).utf8)
        case .pgm:
            bytes = map.pgm(scale, plain: plain, pixelsPerSample: pixels ?? 1)
            size = "\(view.cols * (pixels ?? 1))x\(view.rows * (pixels ?? 1)) pixels, dark = good, "
        }
        try AtomicFile.write(bytes, to: path)
        let values = map.values(metric).filter(\.isFinite)
        let colours = format == .csv ? "" : String(format: ", colour scale %.4g...%.4g%@", scale.range.lowerBound, scale.range.upperBound, scale.logarithmic ? " (log)" : "")
        print(String(format: "wrote %@: %@ %@ over %dx%d samples (zoom %.3g %@/sample), %@values %.4g...%.4g%@",
                     path, split.rawValue, metric.rawValue, view.rows, view.cols, view.zoom, frame.unitName, size,
                     values.min() ?? .nan, values.max() ?? .nan, colours))
        let cellImages = Double(view.count) * Double(data.count)
        print(String(format: "evaluated %d samples x %d images = %.3g cell-images in %.2f s wall: %.0f cell-images/s (%d workers, %@)",
                     view.count, data.count, cellImages, seconds, cellImages / max(seconds, 1e-9), workers, "\(compute)"))
    }

    /// The heatmap, a band of rows at a time so progress can be shown on a terminal.
    func evaluate(_ evaluator: Evaluator, surface: any PlaneSurface, view: Viewport, split: Split, step: Int) -> Heatmap {
        var map = Heatmap(viewport: view, split: split, step: step)
        var cells = HeatmapAssembler(viewport: view, surface: surface)
        let interactive = isatty(2) != 0
        let band = max(1, 4096 / max(1, view.cols))
        let start = Date()
        while !cells.done {
            cells.fill(&map, count: band * view.cols, evaluator: evaluator)
            if interactive {
                FileHandle.standardError.write(String(format: "\revaluating %d points on %d images: %3.0f%%, %.0f s ",
                                                      view.count, evaluator.data.count, 100 * cells.progress,
                                                      Date().timeIntervalSince(start)).data(using: .utf8)!)
            }
        }
        if interactive { FileHandle.standardError.write("\n".data(using: .utf8)!) }
        return map
    }
}
