import XCTest
@testable import Explorer
@testable import MPO

final class RenderTests: XCTestCase {
    func testPaletteMapping() {
        XCTAssertEqual(Palette.index256(ColorMap.RGB(0, 0, 0)), 16)
        XCTAssertEqual(Palette.index256(ColorMap.RGB(255, 255, 255)), 231)
        XCTAssertEqual(Palette.index256(ColorMap.RGB(128, 128, 128)), 244)
        XCTAssertEqual(Palette.index256(ColorMap.RGB(255, 0, 0)), 196)
        XCTAssertEqual(Palette.indexANSI(ColorMap.RGB(250, 10, 10), count: 8), 1)
        XCTAssertEqual(Palette.indexANSI(ColorMap.RGB(250, 250, 250), count: 16), 15)
        XCTAssertEqual(Palette.indexANSI(ColorMap.RGB(250, 250, 250), count: 8), 7)
    }

    func testCellBufferClipsAndReadsBack() {
        var b = CellBuffer(width: 6, height: 2)
        XCTAssertEqual(b.write("hello world", x: 2, y: 0), 6)
        b.write("x", x: -1, y: 1)
        b.write("y", x: 0, y: 5)
        b[10, 10] = Cell("z")
        XCTAssertEqual(b.text, "  hell\n")
    }

    func testSparklineBucketsAndScales() {
        let g = Glyphs(unicode: false)
        XCTAssertEqual(Sparkline.bars([0, 1], width: 4, glyphs: g), "_#")
        XCTAssertEqual(Sparkline.bars(Array(repeating: 1, count: 100), width: 5, glyphs: g).count, 5)
        XCTAssertEqual(Sparkline.bars([], width: 5, glyphs: g), "")
    }

    func testMapPictureScalesLossToThePatternAndFillsGapsProgressively() throws {
        var state = try Fixtures.state(self)
        state.display.scale = .linear
        var s = state.snapshot!
        // only every 4th sample evaluated so far: the others take the coarse value
        let v = s.map.heatmap.viewport
        for i in 0..<v.rows { for j in 0..<v.cols where i % 4 != 0 || j % 4 != 0 { s.map.heatmap.loss[i * v.cols + j] = .nan } }
        s.version += 1
        _ = state.update(s)
        state.backdrop = nil  // a first map: no earlier picture to show meanwhile
        let picture = MapPicture(state: state)
        XCTAssertFalse(picture.values.contains { $0.isNaN })
        XCTAssertEqual(picture.value(row: 1, col: 3), picture.value(row: 0, col: 4), "the nearest coarse sample stands in")
        // coarse stand-ins may come from just outside the pattern (2.9), never from far out (3.9)
        XCTAssertLessThanOrEqual(picture.high, 3.0, "far-outside samples do not set the scale")
        XCTAssertEqual(picture.scale(Float(picture.low)), 0)
        XCTAssertEqual(picture.scale(.nan), nil)
        state.display.metric = .accuracy
        let acc = MapPicture(state: state)
        XCTAssertEqual(acc.scale(1), 0, "high accuracy is the dark end, like low loss")
    }

    func testABackdropFillsAPannedViewUntilItsMapArrives() throws {
        var state = try Fixtures.state(self)
        state.press("S-Right")
        var s = state.snapshot!
        s.map.heatmap = Heatmap(viewport: state.camera.viewport, split: .test, step: s.training.step)  // reset by the session: all NaN
        s.version += 1
        _ = state.update(s)
        let picture = MapPicture(state: state)
        XCTAssertGreaterThan(picture.values.filter { !$0.isNaN }.count, picture.values.count / 2)
    }
}

extension RenderTests {
    func testRankedScaleSpreadsColoursEvenly() throws {
        var state = try Fixtures.state(self)
        state.display.scale = .ranked
        let picture = MapPicture(state: state)
        let inView = picture.values.filter(\.isFinite)
        let median = inView.sorted()[inView.count / 2]
        // half the samples lie below the median: it lands mid-scale, whatever the value spread
        XCTAssertEqual(picture.scale(median)!, 0.5, accuracy: 0.3)
        XCTAssertLessThan(picture.scale(inView.min()!)!, 0.1)
    }
}

extension RenderTests {
    /// A refresh replaces samples in place, row by row: the picture shows new values where they
    /// have come and the previous ones elsewhere, never the new samples' coarse stand-ins (which
    /// made the picture fall back to 4x4 blocks at every refresh).
    func testARefreshShowsNewAndPreviousValuesAtFullResolution() throws {
        var state = try Fixtures.state(self)
        state.display.scale = .linear
        var s = state.snapshot!
        let v = s.map.heatmap.viewport
        s.map.heatmap.loss = .init(repeating: 1, count: v.count)  // the previous map
        for k in 0..<(v.cols * 3) { s.map.heatmap.loss[k] = 2 }  // the refresh so far: three rows
        s.map.progress = Double(v.cols * 3) / Double(v.count)
        s.version += 1
        _ = state.update(s)
        XCTAssertEqual(MapPicture(state: state).values, s.map.heatmap.loss)
    }
}

extension RenderTests {
    /// The default scale: loss linear from its lowest value up to the training clamp c, whatever
    /// the bad cells reach beyond it (training leaves them at 5-70, which used to squeeze the
    /// black and the untrained cells into the same dark colours).
    func testLinearLossScaleEndsAtTheTrainingClamp() throws {
        var state = try Fixtures.state(self)
        XCTAssertEqual(state.display.scale, .linear, "the default")
        let clip = state.snapshot!.training.config.clip
        XCTAssertFalse(MapPicture(state: state).clipped, "the fixture's losses stay below the clamp")
        var s = state.snapshot!
        for k in s.map.heatmap.loss.indices where s.map.heatmap.loss[k] > 2 { s.map.heatmap.loss[k] = 40 + Float(k % 7) }
        s.version += 1
        _ = state.update(s)
        let picture = MapPicture(state: state)
        XCTAssertTrue(picture.clipped)
        XCTAssertEqual(picture.high, Double(clip))
        XCTAssertEqual(picture.scale(40), 1)
        XCTAssertEqual(picture.scale(clip), 1)
        XCTAssertEqual(picture.scale(Float((picture.low + Double(clip)) / 2))!, 0.5, accuracy: 1e-6)
        XCTAssertEqual(picture.endLabels.1, Format.compact(Double(clip)) + "+")
        state.display.scale = .ranked
        XCTAssertFalse(MapPicture(state: state).clipped, "ranked and log keep the whole range")
        state.display.metric = .accuracy
        state.display.scale = .linear
        XCTAssertEqual(MapPicture(state: state).high, 1, "accuracy: 0 to 1")
    }

    /// In 256 colours the colour maps keep their lightness in order (nearest matches alone made
    /// viridis 0.16...0.40 a grey-violet lighter than the blue above it), in exact palette colours.
    func testRamp256KeepsTheColourMapsLightnessInOrder() throws {
        for map in ColorMap.allCases {
            let ramp = (0..<64).map { map.color(Double($0) / 63) }
            let out = Palette.ramp256(ramp)
            XCTAssertEqual(out.count, ramp.count)
            for l in 1..<ramp.count {
                let lighter = ramp[l].luminance >= ramp[l - 1].luminance
                XCTAssertTrue(lighter ? out[l].luminance >= out[l - 1].luminance : out[l].luminance <= out[l - 1].luminance, "\(map) entry \(l)")
            }
            for c in out { XCTAssertEqual(Palette.color256(Palette.index256(c)), c, "a palette colour is shown as itself") }
            let error = zip(ramp, out).map { abs($0.luminance - $1.luminance) }.max()!
            XCTAssertLessThan(error, 0.07, "\(map): lightness kept close")
        }
        let viridis = (0..<64).map { ColorMap.viridis.color(Double($0) / 63) }
        let nearest = viridis.map { Palette.color256(Palette.index256($0)) }
        XCTAssertTrue(zip(nearest, nearest.dropFirst()).contains { $1.luminance < $0.luminance - 0.05 }, "what the nearest match did")
        XCTAssertEqual(Palette.color256(16), ColorMap.RGB(0, 0, 0))
        XCTAssertEqual(Palette.color256(60), ColorMap.RGB(95, 95, 135))
        XCTAssertEqual(Palette.color256(244), ColorMap.RGB(128, 128, 128))

        let state = try Fixtures.state(self, capabilities: Capabilities(unicode: true, colors: .palette256))
        let picture = MapPicture(state: state)
        XCTAssertEqual(picture.palette, Palette.ramp256(MapPicture.ramps[.viridis]!), "the map uses the ordered ramp in 256 colours")
        XCTAssertEqual(MapPicture(state: try Fixtures.state(self)).palette, MapPicture.ramps[.viridis]!, "and the colour map itself in 24 bits")
    }
}
