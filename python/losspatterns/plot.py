"""Figure 4's picture as the engine draws it (Sources/MPO/Plot.swift, BitmapFont.swift): line
charts with error bars in an RGB image, 5x7 bitmap font, written as PNG - so the companion's
figure.png looks like `mpo experiment bn`'s."""
from __future__ import annotations

import math
import struct
import zlib

import numpy as np

_SRC = {
    "0": ".###. #...# #..## #.#.# ##..# #...# .###.", "1": "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
    "2": ".###. #...# ....# ...#. ..#.. .#... #####", "3": "##### ...#. ..#.. ...#. ....# #...# .###.",
    "4": "...#. ..##. .#.#. #..#. ##### ...#. ...#.", "5": "##### #.... ####. ....# ....# #...# .###.",
    "6": "..##. .#... #.... ####. #...# #...# .###.", "7": "##### ....# ...#. ..#.. .#... .#... .#...",
    "8": ".###. #...# #...# .###. #...# #...# .###.", "9": ".###. #...# #...# .#### ....# ...#. .##..",
    "A": ".###. #...# #...# ##### #...# #...# #...#", "B": "####. #...# #...# ####. #...# #...# ####.",
    "C": ".###. #...# #.... #.... #.... #...# .###.", "D": "###.. #..#. #...# #...# #...# #..#. ###..",
    "E": "##### #.... #.... ####. #.... #.... #####", "F": "##### #.... #.... ####. #.... #.... #....",
    "G": ".###. #...# #.... #.### #...# #...# .####", "H": "#...# #...# #...# ##### #...# #...# #...#",
    "I": ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.", "J": "..### ...#. ...#. ...#. ...#. #..#. .##..",
    "K": "#...# #..#. #.#.. ##... #.#.. #..#. #...#", "L": "#.... #.... #.... #.... #.... #.... #####",
    "M": "#...# ##.## #.#.# #.#.# #...# #...# #...#", "N": "#...# #...# ##..# #.#.# #..## #...# #...#",
    "O": ".###. #...# #...# #...# #...# #...# .###.", "P": "####. #...# #...# ####. #.... #.... #....",
    "Q": ".###. #...# #...# #...# #.#.# #..#. .##.#", "R": "####. #...# #...# ####. #.#.. #..#. #...#",
    "S": ".#### #.... #.... .###. ....# ....# ####.", "T": "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
    "U": "#...# #...# #...# #...# #...# #...# .###.", "V": "#...# #...# #...# #...# #...# .#.#. ..#..",
    "W": "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.", "X": "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
    "Y": "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..", "Z": "##### ....# ...#. ..#.. .#... #.... #####",
    " ": "..... ..... ..... ..... ..... ..... .....", ".": "..... ..... ..... ..... ..... .##.. .##..",
    ",": "..... ..... ..... ..... .##.. ..#.. .#...", ":": "..... .##.. .##.. ..... .##.. .##.. .....",
    "-": "..... ..... ..... ##### ..... ..... .....", "+": "..... ..#.. ..#.. ##### ..#.. ..#.. .....",
    "=": "..... ..... ##### ..... ##### ..... .....", "/": "....# ....# ...#. ..#.. .#... #.... #....",
    "(": "...#. ..#.. .#... .#... .#... ..#.. ...#.", ")": ".#... ..#.. ...#. ...#. ...#. ..#.. .#...",
    "[": ".###. .#... .#... .#... .#... .#... .###.", "]": ".###. ...#. ...#. ...#. ...#. ...#. .###.",
    "<": "...#. ..#.. .#... #.... .#... ..#.. ...#.", ">": ".#... ..#.. ...#. ....# ...#. ..#.. .#...",
    "%": "##... ##..# ...#. ..#.. .#... #..## ...##", "_": "..... ..... ..... ..... ..... ..... #####",
    "|": "..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..", "'": "..#.. ..#.. .#... ..... ..... ..... .....",
    "#": ".#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.", "?": ".###. #...# ....# ...#. ..#.. ..... ..#..",
}
GLYPHS = {c: [[ch == "#" for ch in row] for row in s.split(" ")] for c, s in _SRC.items()}
ADVANCE, GW, GH = 6, 5, 7


def glyph(c):
    return GLYPHS.get(c) or GLYPHS.get(c.upper()) or GLYPHS["?"]


def text_width(text: str, scale: int = 1) -> int:
    return 0 if not text else (len(text) * ADVANCE - 1) * scale


class Image:
    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self.px = np.full((height, width, 3), 255, dtype=np.uint8)

    def fill(self, x, y, w, h, color):
        x0, x1, y0, y1 = max(0, x), min(self.width, x + w), max(0, y), min(self.height, y + h)
        if x0 < x1 and y0 < y1:
            self.px[y0:y1, x0:x1] = color

    def text(self, s, x, y, scale, color):
        for k, c in enumerate(s):
            for gy, row in enumerate(glyph(c)):
                for gx, on in enumerate(row):
                    if on:
                        self.fill(x + (k * ADVANCE + gx) * scale, y + gy * scale, scale, scale, color)

    def copy(self):
        im = Image(self.width, self.height)
        im.px = self.px.copy()
        return im

    def png(self) -> bytes:
        raw = b"".join(b"\x00" + self.px[r].tobytes() for r in range(self.height))

        def chunk(kind, data):
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def _hex(h):
    return (h >> 16 & 255, h >> 8 & 255, h & 255)


PALETTE = [_hex(h) for h in (0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7, 0xE69F00)]
INK, GRID, ZERO, LABEL = (0x20, 0x20, 0x20), (0xE4, 0xE4, 0xE4), (0xB0, 0xB0, 0xB0), (0x50, 0x50, 0x50)
FONT, LINE, PAD, TICK = 2, 20, 16, 5
ABOVE = 2 * LINE + 6
BELOW = TICK + 3 + LINE + LINE + 8 + LINE
MARKER, LEGEND = 9, 34


def _round(x):  # Swift rounded(): half away from zero
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


def nice_ticks(lo, hi, count=5):
    span = hi - lo
    if not (span > 0 and math.isfinite(span)):
        return [lo]
    raw = span / max(1, count)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1.0, 2, 5, 10) if m * mag >= raw * 0.999)
    first, last = math.floor(lo / step), math.ceil(hi / step)
    return [_round(v * step * 1e9) / 1e9 for v in np.arange(first, last + 1)]


def tick_label(v, step):
    decimals = max(0, min(6, int(math.ceil(-math.log10(step) - 1e-9))))
    s = f"{v:.{decimals}f}"
    if s == "-0" or (s.startswith("-0.") and float(s) == 0):
        s = s[1:]
    return s


def _line(im, a, b, width, color):
    x, y = a
    dx, dy = abs(b[0] - x), -abs(b[1] - y)
    sx, sy = (1 if x < b[0] else -1), (1 if y < b[1] else -1)
    err = dx + dy
    while True:
        im.fill(x - width // 2, y - width // 2, width, width, color)
        if x == b[0] and y == b[1]:
            break
        e2 = 2 * err
        if e2 >= dy:
            err += dy
            x += sx
        if e2 <= dx:
            err += dx
            y += sy


def _marker(im, kind, x, y, size, color):
    r = size // 2
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            k = kind % 4
            if k == 0:
                inside = dx * dx + dy * dy <= r * r + r // 2
            elif k == 1:
                inside = abs(dx) < r and abs(dy) < r
            elif k == 2:
                inside = dy > -r and 2 * abs(dx) <= dy + r
            else:
                inside = abs(dx) + abs(dy) <= r
            if inside:
                im.fill(x + dx, y + dy, 1, 1, color)


def _panel(im, panel, x, y, width, height):
    """panel: dict(title, xlabel, ylabel, series=[(name, [(x, y, err)])], xticks)."""
    vals = [v for _, pts in panel["series"] for px_, py_, e in pts
            for v in ((py_ - (e if math.isfinite(e) else 0)), (py_ + (e if math.isfinite(e) else 0))) if math.isfinite(v)]
    ylo, yhi = (min(vals), max(vals)) if vals else (0.0, 1.0)
    if ylo == yhi:
        ylo, yhi = ylo - 0.5, yhi + 0.5
    air = (yhi - ylo) * 0.04
    nice_y = nice_ticks(ylo - air, yhi + air)
    yr = (nice_y[0], max(nice_y[-1], nice_y[0] + 1e-9))
    yticks = [t for t in nice_y if yr[0] <= t + 1e-12 <= yr[1] or yr[0] <= t - 1e-12 <= yr[1]]
    ticks = panel["xticks"]
    lo, hi = min(ticks), max(ticks)
    margin = (hi - lo) / (len(ticks) - 1) / 2 if len(ticks) > 1 else 0.5
    xr = (lo - margin, hi + margin)
    step = lambda t: min(b - a for a, b in zip(t, t[1:])) if len(t) > 1 else 1
    ylabels = [tick_label(v, step(nice_y)) for v in yticks]
    xlabels = [tick_label(v, step(ticks)) for v in ticks]
    left = max((text_width(s, FONT) for s in ylabels), default=0) + TICK + 6
    pw, ph = max(10, width - left - 8), max(10, height - ABOVE - BELOW)
    pxf = lambda v, x0: x0 + int(_round((v - xr[0]) / (xr[1] - xr[0]) * (pw - 1)))
    pyf = lambda v, y0: y0 + ph - 1 - int(_round((v - yr[0]) / (yr[1] - yr[0]) * (ph - 1)))
    im.text(panel["title"], x, y, FONT, INK)
    im.text(panel["ylabel"], x, y + LINE, FONT, LABEL)
    x0, y0 = x + left, y + ABOVE
    for v, label in zip(yticks, ylabels):
        yy = pyf(v, y0)
        im.fill(x0, yy, pw, 1, ZERO if v == 0 else GRID)
        im.fill(x0 - TICK, yy, TICK, 1, INK)
        im.text(label, x0 - TICK - 4 - text_width(label, FONT), yy - GH * FONT // 2, FONT, INK)
    ty = y0 + ph
    for v, label in zip(ticks, xlabels):
        xx = pxf(v, x0)
        im.fill(xx, ty, 1, TICK, INK)
        im.text(label, xx - text_width(label, FONT) // 2, ty + TICK + 3, FONT, INK)
    im.fill(x0 - 1, y0, 1, ph + 1, INK)
    im.fill(x0 - 1, y0 + ph, pw + 1, 1, INK)
    xly = ty + TICK + 3 + LINE
    im.text(panel["xlabel"], x0 + (pw - text_width(panel["xlabel"], FONT)) // 2, xly, FONT, INK)
    n = len(panel["series"])
    clipped = im.copy()
    for k, (name, pts) in enumerate(panel["series"]):
        color = PALETTE[k % len(PALETTE)]
        nudge = (2 * k - (n - 1)) * 4
        pts = sorted([p for p in pts if math.isfinite(p[0]) and math.isfinite(p[1])], key=lambda p: p[0])
        pix = [(pxf(p[0], x0) + nudge, pyf(p[1], y0)) for p in pts]
        for a, b in zip(pix, pix[1:]):
            _line(clipped, a, b, 2, color)
        for p, (xx, _) in zip(pts, pix):
            if math.isfinite(p[2]) and p[2] > 0:
                top, bottom = pyf(p[1] + p[2], y0), pyf(p[1] - p[2], y0)
                clipped.fill(xx - 1, top, 2, bottom - top + 1, color)
                clipped.fill(xx - 5, top, 11, 2, color)
                clipped.fill(xx - 5, bottom - 1, 11, 2, color)
        for xx, yy in pix:
            _marker(clipped, k, xx, yy, MARKER, color)
    m = MARKER // 2 + 1
    ya, yb = max(0, y0 - m), min(im.height, y0 + ph + m)
    xa, xb = max(0, x0 - m), min(im.width, x0 + pw + m)
    if ya < yb and xa < xb:
        im.px[ya:yb, xa:xb] = clipped.px[ya:yb, xa:xb]
    lx, ly = x0, xly + LINE + 8
    for k, (name, _) in enumerate(panel["series"]):
        color = PALETTE[k % len(PALETTE)]
        mid = ly + GH * FONT // 2
        _line(im, (lx, mid), (lx + LEGEND, mid), 2, color)
        _marker(im, k, lx + LEGEND // 2, mid, MARKER, color)
        im.text(name, lx + LEGEND + 6, ly, FONT, INK)
        lx += LEGEND + 6 + text_width(name, FONT) + 20


def render(panels, title=None, width=1100, height=520) -> Image:
    im = Image(width, height)
    title_h = 0 if title is None else LINE + 8
    n = max(1, len(panels))
    pw, ph = (width - PAD * (n + 1)) // n, height - 2 * PAD - title_h
    if title is not None:
        im.text(title, PAD, PAD, FONT, INK)
    for k, panel in enumerate(panels):
        _panel(im, panel, PAD + k * (pw + PAD), PAD + title_h, pw, ph)
    return im
