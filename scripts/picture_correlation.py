#!/usr/bin/env python3
"""How much the explorer's map looks like its pattern: reads a `tmux capture-pane -p -e` dump of
`mpo explore`, takes the heatmap's colours (`▀` half blocks: foreground = upper pixel,
background = lower; `38;5;N`/`48;5;N` or `38;2;r;g;b`/`48;2;r;g;b`), turns them into luminance,
averages the pixels over each pattern cell and prints the Pearson correlation of (1 - luminance)
with the pattern's bits (black = 1), with the panel's step and gap.

    picture_correlation.py CAPTURE PATTERN.pbm [--size WxH]   # one line: key=value ...
    picture_correlation.py --self-test                         # the parser on a synthetic capture

Where the pattern sits on screen is worked out as the explorer does for its home view
(`MainLayout`, `Camera.reset(to:)`): the map is the area left of the side panel, below the title;
each grid sample is k x k pixels and the pattern is fitted and centred. The panel's
"zoom ... RxC" row is checked against it. Standard library only.
"""
import math
import re
import sys

ESC = re.compile(r"\x1b\[([0-9;:]*)m")
OTHER_ESC = re.compile(r"\x1b(\[[0-9;?]*[A-Za-ln-z@]|\][^\x07]*\x07|[()][0-9A-Za-z]|[=>])")
UPPER_HALF = "\u2580"


def xterm256(n):
    """RGB of a 256-colour index (xterm's palette)."""
    base = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
            (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]
    if n < 16:
        return base[n]
    if n < 232:
        n -= 16
        levels = [0, 95, 135, 175, 215, 255]
        return (levels[n // 36], levels[n // 6 % 6], levels[n % 6])
    g = 8 + 10 * (n - 232)
    return (g, g, g)


def luminance(rgb):
    r, g, b = rgb
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def parse_capture(text):
    """Rows of cells (char, fg, bg), fg/bg an RGB tuple or None (the terminal's default)."""
    rows = []
    for line in text.split("\n"):
        line = OTHER_ESC.sub("", line)
        fg = bg = None
        cells = []
        pos = 0
        for m in ESC.finditer(line):
            cells += [(ch, fg, bg) for ch in line[pos:m.start()]]
            pos = m.end()
            p = [int(x) if x else 0 for x in re.split("[;:]", m.group(1))] if m.group(1) else [0]
            i = 0
            while i < len(p):
                c = p[i]
                if c == 0:
                    fg = bg = None
                elif c in (38, 48) and i + 1 < len(p):
                    if p[i + 1] == 5 and i + 2 < len(p):
                        rgb, i = xterm256(p[i + 2]), i + 2
                    elif p[i + 1] == 2 and i + 4 < len(p):
                        rgb, i = (p[i + 2], p[i + 3], p[i + 4]), i + 4
                    else:
                        rgb = None
                    if c == 38:
                        fg = rgb
                    else:
                        bg = rgb
                elif c == 39:
                    fg = None
                elif c == 49:
                    bg = None
                elif 30 <= c <= 37:
                    fg = xterm256(c - 30)
                elif 40 <= c <= 47:
                    bg = xterm256(c - 40)
                elif 90 <= c <= 97:
                    fg = xterm256(c - 90 + 8)
                elif 100 <= c <= 107:
                    bg = xterm256(c - 100 + 8)
                i += 1
        cells += [(ch, fg, bg) for ch in line[pos:]]
        rows.append(cells)
    while rows and not rows[-1]:
        rows.pop()
    return rows


def screen_text(rows):
    return "\n".join("".join(c[0] for c in r) for r in rows)


def read_pbm(path):
    """(width, height, bits row-major); P1 (plain) only, as the project writes them."""
    tokens = []
    with open(path) as f:
        for line in f:
            tokens += line.split("#", 1)[0].split()
    if tokens[0] != "P1":
        raise SystemExit(f"{path}: not a plain PBM (P1)")
    w, h = int(tokens[1]), int(tokens[2])
    digits = "".join(tokens[3:])
    return w, h, [int(d) for d in digits[: w * h]]


def map_rect(width, height):
    """MainLayout: (x, y, width, height) of the map in characters."""
    panel = 40 if width >= 110 else 34 if width >= 90 else 28 if width >= 70 else 0
    return 0, 1, (width - panel - 1 if panel else width), max(0, height - 3)


def home_camera(w, h, pw, ph):
    """Camera.reset(to: PlaneFrame(pattern:)): (k, rows, cols, zoom, centerRow, centerCol)."""
    fit = min(pw // w, ph // h)
    if fit >= 1:
        per_cell = (fit + 7) // 8
        k = max(1, fit // per_cell)
    else:
        per_cell, k = 0, 1
    budget = min(2500, max(400, 2 * w * h))
    cells_per_pixel = 1 / (per_cell * k) if per_cell > 0 else max(w / pw, h / ph)

    def grid(k):
        return (ph + k - 1) // k, (pw + k - 1) // k

    while grid(k)[0] * grid(k)[1] > budget:
        k += 1
        per_cell = 0
    if per_cell == 0:
        cells_per_pixel = max(cells_per_pixel, max(w / pw, h / ph))
    rows, cols = grid(k)
    zoom = 1 / per_cell if per_cell > 0 else cells_per_pixel * k
    cr, cc = (h - 1) / 2, (w - 1) / 2
    if per_cell > 0:
        m = per_cell
        r0, c0 = (rows - h * per_cell) // 2, (cols - w * per_cell) // 2
        cr = ((rows - 1) / 2 - r0 - (m - 1) / 2) / m
        cc = ((cols - 1) / 2 - c0 - (m - 1) / 2) / m
    return k, rows, cols, zoom, cr, cc


def cell_darkness(rows, pbm, size):
    """Mean (1 - luminance) of the map pixels over each pattern cell (None where none)."""
    w, h, _ = pbm
    width, height = size
    mx, my, mw, mh = map_rect(width, height)
    pw, ph = mw, 2 * mh
    k, vr, vc, zoom, cr, cc = home_camera(w, h, pw, ph)
    sums, counts = [0.0] * (w * h), [0] * (w * h)
    for py in range(ph):
        cy = my + py // 2
        if cy >= len(rows):
            continue
        for px in range(pw):
            if mx + px >= len(rows[cy]):
                continue
            ch, fg, bg = rows[cy][mx + px]
            rgb = (fg if py % 2 == 0 else bg) if ch == UPPER_HALF else bg
            if rgb is None:
                continue
            # Camera.position(atPixelX:y:)
            i, j = (py + 0.5) / k - 0.5, (px + 0.5) / k - 0.5
            r = cr + (i - (vr - 1) / 2) * zoom
            c = cc + (j - (vc - 1) / 2) * zoom
            ri, ci = round(r), round(c)
            if 0 <= ri < h and 0 <= ci < w:
                sums[ri * w + ci] += 1 - luminance(rgb)
                counts[ri * w + ci] += 1
    return [s / n if n else None for s, n in zip(sums, counts)], (vr, vc, zoom)


def pearson(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else float("nan")


def measure(text, pbm, size):
    rows = parse_capture(text)
    dark, (vr, vc, zoom) = cell_darkness(rows, pbm, size)
    bits = pbm[2]
    pairs = [(d, b) for d, b in zip(dark, bits) if d is not None]
    out = {"corr": pearson([d for d, _ in pairs], [float(b) for _, b in pairs]) if pairs else float("nan"),
           "covered": f"{len(pairs)}/{len(bits)}"}
    if pairs:
        black = [d for d, b in pairs if b]
        white = [d for d, b in pairs if not b]
        out["dark_black"] = sum(black) / max(1, len(black))
        out["dark_white"] = sum(white) / max(1, len(white))
    screen = screen_text(rows)
    m = re.search(r"gap +(-?[0-9.]+) @([0-9,]+)", screen)
    out["gap"], out["gap_step"] = (m.group(1), m.group(2).replace(",", "")) if m else ("-", "-")
    m = re.search(r"step +([0-9,]+)", screen)
    out["step"] = m.group(1).replace(",", "") if m else "-"
    m = re.search(r"zoom +([0-9.]+) cells/sample, ([0-9]+)x([0-9]+)", screen)
    if m:
        shown = (float(m.group(1)), int(m.group(2)), int(m.group(3)))
        out["viewport"] = f"{shown[1]}x{shown[2]}"
        if (shown[1], shown[2]) != (vr, vc) or abs(shown[0] - zoom) > 0.01:
            out["warning"] = f"panel shows zoom {shown[0]} {shown[1]}x{shown[2]}, expected {zoom:g} {vr}x{vc} (not the home view?)"
    m = re.search(r"colours +([a-z]+)(?:, ([a-z]+))?", screen)
    if m:
        out["colours"] = m.group(1) + "/" + (m.group(2) or "linear")
    return out


def self_test():
    """A synthetic 120x40 capture of a 4x4 pattern, drawn with the explorer's geometry in 256
    and in truecolor escapes: the correlation must come out 1 (and -1 inverted)."""
    pbm = (4, 4, [0, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0])
    width, height = 120, 40
    mx, my, mw, mh = map_rect(width, height)
    k, vr, vc, zoom, cr, cc = home_camera(4, 4, mw, 2 * mh)

    def bit_at(px, py):
        i, j = (py + 0.5) / k - 0.5, (px + 0.5) / k - 0.5
        r, c = round(cr + (i - (vr - 1) / 2) * zoom), round(cc + (j - (vc - 1) / 2) * zoom)
        return pbm[2][r * 4 + c] if 0 <= r < 4 and 0 <= c < 4 else None

    def capture(esc, invert):
        lines = ["title bar " + "x" * 100]
        for cy in range(mh):
            s = ""
            for cx in range(mw):
                up, down = bit_at(cx, 2 * cy), bit_at(cx, 2 * cy + 1)
                s += esc(up, invert, 38) + esc(down, invert, 48) + UPPER_HALF
            s += "\x1b[0m\u2502 step      812  training" if cy == 5 else "\x1b[0m\u2502"
            if cy == 20:
                s += " gap       0.351 @800 \u2581\u2582"
            if cy == 30:
                s += f" zoom      {zoom:g} cells/sample, {vr}x{vc}"
            lines.append(s)
        return "\n".join(lines) + "\n"

    def esc256(bit, invert, code):
        n = 244 if bit is None else (232 if (bit == 1) != invert else 255)  # dark grey for black cells
        return f"\x1b[{code};5;{n}m"

    def esctrue(bit, invert, code):
        v = 60 if bit is None else (20 if (bit == 1) != invert else 230)
        return f"\x1b[{code};2;{v};{v};{v}m"

    for esc in (esc256, esctrue):
        for invert, want in ((False, 1.0), (True, -1.0)):
            out = measure(capture(esc, invert), pbm, (width, height))
            assert abs(out["corr"] - want) < 1e-9, (esc.__name__, invert, out)
            assert out["covered"] == "16/16" and out["step"] == "812" and out["gap"] == "0.351", out
            assert "warning" not in out, out
    assert xterm256(16) == (0, 0, 0) and xterm256(231) == (255, 255, 255) and xterm256(244) == (128, 128, 128)
    print("picture_correlation self-test: ok")


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    args = argv[1:]
    size = (120, 40)
    if "--size" in args:
        i = args.index("--size")
        w, h = args[i + 1].split("x")
        size = (int(w), int(h))
        del args[i:i + 2]
    if len(args) != 2:
        raise SystemExit(__doc__)
    with open(args[0], encoding="utf-8", errors="replace") as f:
        text = f.read()
    out = measure(text, read_pbm(args[1]), size)
    print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={str(v).replace(' ', '_') if k != 'warning' else v}"
                   for k, v in out.items()))


if __name__ == "__main__":
    main(sys.argv)
