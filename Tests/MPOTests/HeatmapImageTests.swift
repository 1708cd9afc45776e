import Engine
import Foundation
import XCTest

@testable import MPO

/// Rendering heatmaps to pixels, colour scales, and the CSV/PGM exports.
final class HeatmapImageTests: XCTestCase {
    /// A 2x3 loss map, values 0 1 2 / 3 4 NaN, over the pattern cells of a 3-wide, 2-high pattern.
    func smallMap() -> Heatmap {
        var map = Heatmap(viewport: Viewport(centerRow: 0.5, centerCol: 1, zoom: 1, rows: 2, cols: 3), split: .test, step: 7)
        map.loss = [0, 1, 2, 3, 4, .nan]
        map.accuracy = [1, 0.75, 0.5, 0.25, 0, .nan]
        return map
    }

    func options(_ body: (inout HeatmapImage.Options) -> Void = { _ in }) -> HeatmapImage.Options {
        var o = HeatmapImage.Options()
        o.legend = false
        o.pixelsPerSample = 5
        body(&o)
        return o
    }

    func testLossSamplesHaveTheirColourMapColours() {
        let picture = HeatmapImage(heatmap: smallMap(), metric: .loss, options: options())
        XCTAssertEqual([picture.image.width, picture.image.height], [15, 10])
        XCTAssertEqual(picture.scale.range, 0...4)
        for k in 0..<5 {
            let expected = ColorMap.viridis.color(Double(k) / 4)
            let (row, col) = (k / 3, k % 3)
            for (dx, dy) in [(0, 0), (4, 4), (2, 3)] {
                XCTAssertEqual(picture.image.rgb(x: col * 5 + dx, y: row * 5 + dy), expected, "sample \(k)")
            }
        }
        // Low loss is dark.
        XCTAssertLessThan(picture.image.rgb(x: 0, y: 0).luminance, picture.image.rgb(x: 5, y: 5).luminance)
        // NaN: a gray hatch, no colour-map colour.
        let nan = picture.image.rgb(x: 12, y: 7)
        XCTAssertTrue(nan.r == nan.g && nan.g == nan.b)
        XCTAssertNotEqual(picture.image.rgb(x: 10, y: 5), picture.image.rgb(x: 13, y: 5), "hatched")
    }

    func testAccuracyIsReversedSoHighAccuracyIsDark() {
        let picture = HeatmapImage(heatmap: smallMap(), metric: .accuracy, options: options { $0.colorMap = .gray })
        XCTAssertEqual(picture.image.rgb(x: 2, y: 2), ColorMap.gray.color(0), "accuracy 1 is black")
        XCTAssertEqual(picture.image.rgb(x: 7, y: 2), ColorMap.gray.color(0.25))
        XCTAssertEqual(picture.image.rgb(x: 7, y: 7), ColorMap.gray.color(1), "accuracy 0 is white")
    }

    func testFixedRangeClampsAndLogScale() {
        let clamped = HeatmapImage(heatmap: smallMap(), metric: .loss, options: options { $0.range = 1...3; $0.colorMap = .diverging })
        XCTAssertEqual(clamped.image.rgb(x: 0, y: 0), ColorMap.diverging.color(0))
        XCTAssertEqual(clamped.image.rgb(x: 10, y: 0), ColorMap.diverging.color(0.5))
        XCTAssertEqual(clamped.image.rgb(x: 5, y: 5), ColorMap.diverging.color(1))
        var map = smallMap()
        map.loss = [0.1, 1, 10, 100, 0.01, 1000]
        let log = HeatmapImage(heatmap: map, metric: .loss, options: options { $0.logarithmic = true; $0.range = 0.1...1000 })
        for (k, t) in [(0, 0.0), (1, 0.25), (2, 0.5), (3, 0.75), (4, 0.0), (5, 1.0)] {
            XCTAssertEqual(log.image.rgb(x: (k % 3) * 5 + 2, y: (k / 3) * 5 + 2), ColorMap.viridis.color(t), "value \(map.loss[k])")
        }
    }

    func testScaleTonesAndTheirInverse() {
        let s = HeatmapScale(metric: .loss, range: 1...5)
        XCTAssertEqual(s.tone(3), 0.5)
        XCTAssertEqual(s.tone(.infinity), 1)
        XCTAssertNil(s.tone(.nan))
        XCTAssertEqual(s.value(atTone: 0.25), 2)
        let a = HeatmapScale(metric: .accuracy, range: 0.2...0.6, logarithmic: true)
        XCTAssertFalse(a.logarithmic, "accuracy is never on a log scale")
        XCTAssertEqual(a.tone(0.6), 0)
        XCTAssertEqual(a.value(atTone: 1), 0.2, accuracy: 1e-6)
        XCTAssertEqual(HeatmapScale(metric: .loss, range: 2...2).tone(2), 0.5, "a flat map is mid-tone")
        let l = HeatmapScale(metric: .loss, range: 0.01...100, logarithmic: true)
        XCTAssertEqual(l.value(atTone: l.tone(3)!), 3, accuracy: 1e-4)
        // The standard loss scale stops at the training clamp, unless on a log scale.
        XCTAssertEqual(HeatmapScale.standard(for: [0.5, 1, 400], metric: .loss, clip: 2.5).range, 0.5...2.5)
        XCTAssertEqual(HeatmapScale.standard(for: [0.5, 1, 400], metric: .loss, logarithmic: true, clip: 2.5).range, 0.5...400)
        XCTAssertEqual(HeatmapScale.standard(for: [0.5, 1, 2], metric: .loss, clip: 2.5).range, 0.5...2)
        XCTAssertEqual(HeatmapScale.standard(for: [0.1, 0.9, .nan], metric: .accuracy, clip: 2.5).range, 0.1...0.9)
    }

    func testLegendFrameAndColourBar() throws {
        var map = Heatmap(viewport: Viewport(centerRow: 7.5, centerCol: 7.5, zoom: 0.25, rows: 72, cols: 72), split: .train, step: 3)
        map.loss = (0..<(72 * 72)).map { Float($0 % 72) / 71 * 3 }
        var o = HeatmapImage.Options()
        o.range = 0...2
        o.subtitle = "ring 16x16, step 3"
        let picture = HeatmapImage(heatmap: map, metric: .loss, options: o)
        XCTAssertEqual(picture.pixelsPerSample, 6, "at least 400 pixels wide")
        XCTAssertGreaterThanOrEqual(picture.image.width, 432)
        XCTAssertGreaterThan(picture.mapY, 2 * BitmapFont.height(scale: 2), "two lines of text above the map")
        let (x, y) = picture.center(row: 10, col: 0)
        XCTAssertEqual(picture.image.rgb(x: x, y: y), ColorMap.viridis.color(0))
        let barY = try XCTUnwrap(picture.barY)
        XCTAssertGreaterThan(barY, picture.mapY + 72 * 6)
        XCTAssertEqual(picture.image.rgb(x: picture.mapX, y: barY + 4), ColorMap.viridis.color(0), "bar starts dark")
        XCTAssertEqual(picture.image.rgb(x: picture.mapX + 72 * 6 - 1, y: barY + 4), ColorMap.viridis.color(1), "and ends bright")
        // Title text is drawn in ink in the top band; the corners stay background.
        let top = (0..<picture.mapY).flatMap { yy in (0..<picture.image.width).map { picture.image.rgb(x: $0, y: yy) } }
        XCTAssertTrue(top.contains(HeatmapImage.ink))
        XCTAssertEqual(picture.image.rgb(x: 0, y: 0), ColorMap.RGB(255, 255, 255))
        // The PNG holds exactly these pixels.
        XCTAssertEqual(try PNG.decode(picture.png, path: "legend.png"), picture.image)
    }

    func testClampedEndsAreLabelled() {
        var map = smallMap()
        map.loss = [0, 1, 2, 3, 9, 1]
        var o = HeatmapImage.Options()
        o.range = 0...2
        XCTAssertEqual(HeatmapImage(heatmap: map, metric: .loss, options: o).labels, ["0", "1", ">=2"])
        o.range = 0.5...0.8
        XCTAssertEqual(HeatmapImage(heatmap: map, metric: .accuracy, options: o).labels, [">=0.8", "0.65", "<=0.5"])
        o.range = nil
        XCTAssertEqual(HeatmapImage(heatmap: map, metric: .loss, options: o).labels, ["0", "4.5", "9"])
        XCTAssertEqual(HeatmapImage(heatmap: map, metric: .accuracy, options: o).labels, ["1", "0.5", "0"], "accuracy: dark end is high")
        XCTAssertEqual(HeatmapImage.label(2.5), "2.5")
        XCTAssertEqual(HeatmapImage.label(0.000012), "1.2E-05")
        XCTAssertEqual(HeatmapImage.label(1234), "1.23E+03")
    }

    func testPatternEdgesAreDrawnOnCellBoundaries() {
        // A 3x3 pattern with a black centre, one sample per cell, 10 pixels per sample.
        let pattern = Pattern(width: 3, height: 3) { r, c in r == 1 && c == 1 }
        var map = Heatmap(viewport: Viewport(pattern: pattern), split: .test, step: 0)
        map.loss = .init(repeating: 1, count: 9)
        let picture = HeatmapImage(heatmap: map, metric: .loss, options: options { $0.pixelsPerSample = 10; $0.edges = pattern })
        let line = ColorMap.viridis.overlayColor, fill = ColorMap.viridis.color(0.5)
        XCTAssertEqual(picture.image.rgb(x: 10, y: 15), line, "between cells (1,0) and (1,1)")
        XCTAssertEqual(picture.image.rgb(x: 20, y: 15), line, "between cells (1,1) and (1,2)")
        XCTAssertEqual(picture.image.rgb(x: 15, y: 10), line, "between cells (0,1) and (1,1)")
        XCTAssertEqual(picture.image.rgb(x: 15, y: 15), fill, "cell centres stay clear")
        XCTAssertEqual(picture.image.rgb(x: 5, y: 5), fill)
        XCTAssertEqual(picture.image.rgb(x: 10, y: 5), fill, "no boundary between two white cells")
    }

    func testFontGlyphs() {
        XCTAssertEqual(BitmapFont.glyph("a"), BitmapFont.glyph("A"), "lower case is drawn as capitals")
        XCTAssertEqual(BitmapFont.glyph("~"), BitmapFont.glyph("?"))
        for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.,:-+=/()%" {
            let g = BitmapFont.glyph(c)
            XCTAssertEqual(g.count, 7, "\(c)")
            XCTAssertTrue(g.allSatisfy { $0 < 32 })
            XCTAssertTrue(g.contains { $0 != 0 }, "\(c) has ink")
        }
        XCTAssertEqual(Set("0123456789".map { BitmapFont.glyph($0) }).count, 10, "digits are distinct")
        XCTAssertEqual(Set("ABCDEFGHIJKLMNOPQRSTUVWXYZ".map { BitmapFont.glyph($0) }).count, 26)
        var image = PNG.Image(width: 20, height: 20, channels: 3, fill: 255)
        let red = ColorMap.RGB(255, 0, 0)
        BitmapFont.draw("1", into: &image, x: 3, y: 2, scale: 2, color: red)
        // "1" row 0 is ..#.., so font pixel (2, 0) covers image pixels x 7...8, y 2...3.
        XCTAssertEqual(image.rgb(x: 7, y: 2), red)
        XCTAssertEqual(image.rgb(x: 8, y: 3), red)
        XCTAssertEqual(image.rgb(x: 3, y: 2), ColorMap.RGB(255, 255, 255))
        XCTAssertEqual(BitmapFont.width(of: "12", scale: 2), 22)
        BitmapFont.draw("WIDE TEXT OFF THE EDGE", into: &image, x: 15, y: 15, scale: 3, color: red)  // clipped, no crash
    }

    func testCSVExport() {
        let csv = smallMap().csv(.loss, notes: ["pattern test"])
        let lines = csv.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[0].hasPrefix("# LossPatterns heatmap: test loss"))
        XCTAssertEqual(lines[1], "# pattern test")
        XCTAssertTrue(lines[2].contains("zoom 1 rows 2 cols 3"))
        XCTAssertEqual(lines[3], "row\\col,0,1,2")
        XCTAssertEqual(lines[4], "0,0,1,2")
        XCTAssertEqual(lines[5], "1,3,4,nan")
        XCTAssertEqual(lines.count, 6)
        XCTAssertEqual(smallMap().csv(.accuracy).split(separator: "\n").last, "1,0.25,0,nan")
    }

    func testPGMExport() {
        let scale = HeatmapScale(metric: .loss, range: 0...4)
        let raw = smallMap().pgm(scale)
        let header = Array("P5\n".utf8)
        XCTAssertEqual(Array(raw[0..<3]), header)
        XCTAssertEqual(Array(raw.suffix(6)), [0, 64, 128, 191, 255, 128])
        let text = String(decoding: smallMap().pgm(scale, plain: true, pixelsPerSample: 2), as: UTF8.self)
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines[0], "P2")
        XCTAssertEqual(lines[2], "6 4")
        XCTAssertEqual(lines[3], "255")
        XCTAssertEqual(lines[4], "0 0 64 64 128 128")
        XCTAssertEqual(lines.count, 8)
    }
}
