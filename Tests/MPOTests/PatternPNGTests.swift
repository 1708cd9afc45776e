import Engine
import Foundation
import MPO
import TestSupport
import XCTest

/// Importing a pattern from a PNG: alpha or luminance as ink, area-average resizing, threshold.
final class PatternPNGTests: XCTestCase {
    func testAlphaChannelIsTheInkWhenTheImageUsesTransparency() {
        // A white, opaque square on a transparent background: white, yet it is the shape.
        var image = PNG.Image(width: 40, height: 40, channels: 4, fill: 0)
        for y in 10..<30 { for x in 10..<30 { image.pixels.replaceSubrange(((y * 40 + x) * 4)..<((y * 40 + x) * 4 + 4), with: [255, 255, 255, 255]) } }
        let p = Pattern(image: image, width: 20, height: 20)
        XCTAssertEqual(p, Pattern(width: 20, height: 20, name: "image") { r, c in (5..<15).contains(r) && (5..<15).contains(c) })
    }

    func testLuminanceIsTheInkOtherwise() {
        // Gray: left half black, right half white.
        let gray = PNG.Image(width: 30, height: 20, channels: 1, pixels: (0..<600).map { $0 % 30 < 15 ? 0 : 255 })
        XCTAssertEqual(Pattern(image: gray, width: 6, height: 4).bits, (0..<24).map { $0 % 6 < 3 ? 1 : 0 })
        // RGB: dark red (luminance 0.2126 * 0.55) is ink, light yellow is not.
        let rgb = PNG.Image(width: 2, height: 3, channels: 3, pixels: [140, 0, 0, 255, 255, 180, 140, 0, 0, 255, 255, 180, 140, 0, 0, 255, 255, 180])
        XCTAssertEqual(Pattern(image: rgb, width: 2, height: 3).bits, [1, 0, 1, 0, 1, 0])
        // An alpha channel that is opaque everywhere is not used: black on white still reads.
        let opaque = PNG.Image(width: 3, height: 3, channels: 2, pixels: [0, 255, 255, 255, 0, 255, 255, 255, 0, 255, 255, 255, 0, 255, 255, 255, 0, 255])
        XCTAssertEqual(Pattern(image: opaque, width: 3, height: 3).bits, [1, 0, 1, 0, 1, 0, 1, 0, 1])
    }

    func testThresholdAndInvert() {
        let mid = PNG.Image(width: 4, height: 4, channels: 1, fill: 128)  // ink 1 - 128/255 = 0.498
        XCTAssertEqual(Pattern(image: mid, width: 4, height: 4, threshold: 0.4).blackCount, 16)
        XCTAssertEqual(Pattern(image: mid, width: 4, height: 4, threshold: 0.6).blackCount, 0)
        XCTAssertEqual(Pattern(image: mid, width: 4, height: 4, threshold: 0.6, invert: true).blackCount, 16)
    }

    func testAreaResizeAveragesCoveredAreas() {
        // Down by 3/2: each target covers 1.5 sources.
        let down = Pattern.areaResize([1, 0, 0], width: 3, height: 1, toWidth: 2, toHeight: 1)
        XCTAssertEqual(down[0], 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(down[1], 0, accuracy: 1e-12)
        // Up by 2: copies.
        XCTAssertEqual(Pattern.areaResize([1, 0], width: 2, height: 1, toWidth: 4, toHeight: 1), [1, 1, 0, 0])
        // 4x4 to 2x2: block means.
        let grid: [Double] = [1, 1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0]
        let blocks = Pattern.areaResize(grid, width: 4, height: 4, toWidth: 2, toHeight: 2)
        for (a, b) in zip(blocks, [1, 0.25, 0.25, 0]) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        // Means are kept.
        let values = (0..<35).map { Double(($0 * 7) % 11) / 10 }
        let resized = Pattern.areaResize(values, width: 7, height: 5, toWidth: 3, toHeight: 4)
        XCTAssertEqual(resized.reduce(0, +) / 12, values.reduce(0, +) / 35, accuracy: 1e-9)
    }

    func testReadPNGFromAFileWithSizes() throws {
        let dir = try temporaryFolder().path
        // A black disk on white, 60x40 pixels.
        let image = PNG.Image(width: 60, height: 40, channels: 3, pixels: (0..<2400).flatMap { k -> [UInt8] in
            let x = Double(k % 60) - 29.5, y = Double(k / 60) - 19.5
            return (x * x + y * y).squareRoot() < 15 ? [0, 0, 0] : [255, 255, 255]
        })
        let path = dir + "/disk.png"
        try PNG.write(image, to: path)
        let own = try Pattern.readPNG(path: path)
        XCTAssertEqual(own.name, "disk")
        XCTAssertEqual([own.width, own.height], [60, 40], "small pictures keep their size")
        let small = try Pattern.readPNG(path: path, width: 12, height: 8)
        XCTAssertEqual([small.width, small.height], [12, 8])
        XCTAssertTrue(small[4, 6] && !small[0, 0] && !small[7, 11])
        XCTAssertEqual(small.blackCount, small.bits.count - Pattern(image: image, width: 12, height: 8, invert: true).blackCount)
        XCTAssertEqual(Pattern.defaultImportSize(width: 300, height: 150).width, 32)
        XCTAssertEqual(Pattern.defaultImportSize(width: 300, height: 150).height, 16)
        XCTAssertEqual(Pattern.defaultImportSize(width: 1000, height: 10).height, 3)
        RenderTestKit.expectDataError(try Pattern.readPNG(path: path, width: 2, height: 8), path: path, mentions: "2x8")
        let bad = dir + "/bad.png"
        _ = FileManager.default.createFile(atPath: bad, contents: Data("not an image".utf8))
        RenderTestKit.expectDataError(try Pattern.readPNG(path: bad), path: bad, mentions: "not a PNG")
    }
}
