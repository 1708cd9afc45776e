import Engine

/// A 5x7 pixel font (digits, capital letters, a little punctuation) for legends on rendered
/// images; lower-case letters are drawn as capitals and unknown characters as '?'.
/// Each glyph is seven rows of five pixels, '#' = ink.
public enum BitmapFont {
    public static let glyphWidth = 5, glyphHeight = 7
    /// Horizontal distance between glyph origins, in font pixels (one pixel of spacing).
    public static let advance = 6

    static let source: [Character: String] = [
        "0": ".###. #...# #..## #.#.# ##..# #...# .###.",
        "1": "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
        "2": ".###. #...# ....# ...#. ..#.. .#... #####",
        "3": "##### ...#. ..#.. ...#. ....# #...# .###.",
        "4": "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
        "5": "##### #.... ####. ....# ....# #...# .###.",
        "6": "..##. .#... #.... ####. #...# #...# .###.",
        "7": "##### ....# ...#. ..#.. .#... .#... .#...",
        "8": ".###. #...# #...# .###. #...# #...# .###.",
        "9": ".###. #...# #...# .#### ....# ...#. .##..",
        "A": ".###. #...# #...# ##### #...# #...# #...#",
        "B": "####. #...# #...# ####. #...# #...# ####.",
        "C": ".###. #...# #.... #.... #.... #...# .###.",
        "D": "###.. #..#. #...# #...# #...# #..#. ###..",
        "E": "##### #.... #.... ####. #.... #.... #####",
        "F": "##### #.... #.... ####. #.... #.... #....",
        "G": ".###. #...# #.... #.### #...# #...# .####",
        "H": "#...# #...# #...# ##### #...# #...# #...#",
        "I": ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
        "J": "..### ...#. ...#. ...#. ...#. #..#. .##..",
        "K": "#...# #..#. #.#.. ##... #.#.. #..#. #...#",
        "L": "#.... #.... #.... #.... #.... #.... #####",
        "M": "#...# ##.## #.#.# #.#.# #...# #...# #...#",
        "N": "#...# #...# ##..# #.#.# #..## #...# #...#",
        "O": ".###. #...# #...# #...# #...# #...# .###.",
        "P": "####. #...# #...# ####. #.... #.... #....",
        "Q": ".###. #...# #...# #...# #.#.# #..#. .##.#",
        "R": "####. #...# #...# ####. #.#.. #..#. #...#",
        "S": ".#### #.... #.... .###. ....# ....# ####.",
        "T": "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
        "U": "#...# #...# #...# #...# #...# #...# .###.",
        "V": "#...# #...# #...# #...# #...# .#.#. ..#..",
        "W": "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",
        "X": "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
        "Y": "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",
        "Z": "##### ....# ...#. ..#.. .#... #.... #####",
        " ": "..... ..... ..... ..... ..... ..... .....",
        ".": "..... ..... ..... ..... ..... .##.. .##..",
        ",": "..... ..... ..... ..... .##.. ..#.. .#...",
        ":": "..... .##.. .##.. ..... .##.. .##.. .....",
        "-": "..... ..... ..... ##### ..... ..... .....",
        "+": "..... ..#.. ..#.. ##### ..#.. ..#.. .....",
        "=": "..... ..... ##### ..... ##### ..... .....",
        "/": "....# ....# ...#. ..#.. .#... #.... #....",
        "(": "...#. ..#.. .#... .#... .#... ..#.. ...#.",
        ")": ".#... ..#.. ...#. ...#. ...#. ..#.. .#...",
        "[": ".###. .#... .#... .#... .#... .#... .###.",
        "]": ".###. ...#. ...#. ...#. ...#. ...#. .###.",
        "<": "...#. ..#.. .#... #.... .#... ..#.. ...#.",
        ">": ".#... ..#.. ...#. ....# ...#. ..#.. .#...",
        "%": "##... ##..# ...#. ..#.. .#... #..## ...##",
        "_": "..... ..... ..... ..... ..... ..... #####",
        "|": "..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
        "'": "..#.. ..#.. .#... ..... ..... ..... .....",
        "#": ".#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.",
        "?": ".###. #...# ....# ...#. ..#.. ..... ..#..",
        // The coordinates of a direction plane.
        "α": "..... ..... .##.# #..#. #..#. #..#. .##.#",
        "β": ".##.. #..#. #.#.. #..#. #...# ####. #....",
        // A curve's learnt point.
        "θ": ".###. #...# #...# ##### #...# #...# .###.",
    ]

    /// Rows of a glyph, bit 4 = leftmost pixel.
    static let glyphs: [Character: [UInt8]] = source.mapValues { text in
        text.split(separator: " ").map { row in row.reduce(UInt8(0)) { $0 << 1 | ($1 == "#" ? 1 : 0) } }
    }

    public static func glyph(_ c: Character) -> [UInt8] {
        glyphs[c] ?? glyphs[Character(c.uppercased())] ?? glyphs["?"]!
    }

    /// Width in image pixels of `text` drawn at `scale` (no trailing spacing).
    public static func width(of text: String, scale: Int = 1) -> Int {
        text.isEmpty ? 0 : (text.count * advance - 1) * scale
    }

    public static func height(scale: Int = 1) -> Int { glyphHeight * scale }

    /// Draws `text` with its top-left corner at (x, y); each font pixel is a scale x scale block.
    /// Pixels outside the image are skipped.
    public static func draw(_ text: String, into image: inout PNG.Image, x: Int, y: Int, scale: Int = 1, color: ColorMap.RGB) {
        for (k, c) in text.enumerated() {
            let rows = glyph(c)
            for (gy, bits) in rows.enumerated() {
                for gx in 0..<glyphWidth where bits >> (glyphWidth - 1 - gx) & 1 == 1 {
                    image.fill(x: x + (k * advance + gx) * scale, y: y + gy * scale, width: scale, height: scale, color: color)
                }
            }
        }
    }
}

extension PNG.Image {
    /// Paints a rectangle (clipped to the image) in an RGB or gray colour.
    mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: ColorMap.RGB) {
        let x0 = max(0, x), x1 = min(width, x + w), y0 = max(0, y), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        let gray = UInt8((color.luminance * 255).rounded())
        for yy in y0..<y1 {
            for xx in x0..<x1 {
                let i = (yy * width + xx) * channels
                if channels >= 3 {
                    pixels[i] = color.r
                    pixels[i + 1] = color.g
                    pixels[i + 2] = color.b
                } else {
                    pixels[i] = gray
                }
                if channels == 2 || channels == 4 { pixels[i + channels - 1] = 255 }
            }
        }
    }

    /// The RGB colour of pixel (x, y) (gray images give r = g = b).
    func rgb(x: Int, y: Int) -> ColorMap.RGB {
        let i = (y * width + x) * channels
        return channels >= 3 ? ColorMap.RGB(pixels[i], pixels[i + 1], pixels[i + 2]) : ColorMap.RGB(pixels[i], pixels[i], pixels[i])
    }
}
