"""Patterns (Sources/MPO/Pattern*.swift): a black-and-white picture, 1 = black = good cell (low
loss wanted), 0 = white = bad cell; Netpbm PBM files (P1 plain, P4 raw); the ternary mask (a cell
whose whole 3x3 neighbourhood, clipped at the border, has its own value is ignored); and the
generators the engine uses (ring, the BN experiment's randomly filled square)."""
from __future__ import annotations

import os

import numpy as np

from .rng import Xoshiro256

MIN_SIDE, MAX_SIDE = 3, 512


class PatternError(ValueError):
    pass


class Pattern:
    def __init__(self, bits, name: str = "pattern"):
        b = (np.asarray(bits) != 0).astype(np.uint8)
        if b.ndim != 2:
            raise PatternError("a pattern is a 2-D picture")
        self.bits = b
        self.name = name

    @property
    def height(self) -> int:
        return self.bits.shape[0]

    @property
    def width(self) -> int:
        return self.bits.shape[1]

    def roles(self) -> np.ndarray:
        """[H, W] int8: +1 good (black edge), -1 bad (white edge), 0 ignored."""
        b = self.bits.astype(np.int32)
        h, w = b.shape
        pad = np.pad(b, 1, mode="constant", constant_values=-1)
        differs = np.zeros((h, w), dtype=bool)
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                nb = pad[1 + dr:1 + dr + h, 1 + dc:1 + dc + w]
                differs |= (nb >= 0) & (nb != b)
        return np.where(differs, np.where(b != 0, 1, -1), 0).astype(np.int8)

    def trained_cells(self) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """Good and bad cells (row, col) in row-major order, as the engine lists them."""
        r = self.roles()
        good = [(int(i), int(j)) for i, j in zip(*np.nonzero(r == 1))]
        bad = [(int(i), int(j)) for i, j in zip(*np.nonzero(r == -1))]
        return good, bad

    def pbm(self) -> str:
        s = f"P1\n# {self.name} — LossPatterns pattern: 1 = black = low loss\n{self.width} {self.height}\n"
        for row in self.bits:
            s += " ".join("1" if v else "0" for v in row) + "\n"
        return s


def parse_pbm(data: bytes, path: str = "pattern", name: str = "pattern") -> Pattern:
    i = 0
    n = len(data)
    space = b" \t\n\v\f\r"

    def skip():
        nonlocal i
        while i < n:
            if data[i] == ord("#"):
                while i < n and data[i] not in (10, 13):
                    i += 1
            elif data[i] in space:
                i += 1
            else:
                return

    def number(what):
        nonlocal i
        skip()
        start = i
        while i < n and 48 <= data[i] <= 57:
            i += 1
            if int(data[start:i]) > MAX_SIDE * 1000:
                raise PatternError(f"{path}: {what} is absurdly large")
        if i == start:
            raise PatternError(f"{path}: expected the {what} as a number")
        return int(data[start:i])

    if len(data) < 2 or data[0:1] != b"P" or data[1:2] not in (b"1", b"4"):
        raise PatternError(f"{path}: not a PBM bitmap (must start with P1 or P4)")
    raw = data[1:2] == b"4"
    i = 2
    w, h = number("width"), number("height")
    if not (MIN_SIDE <= w <= MAX_SIDE and MIN_SIDE <= h <= MAX_SIDE):
        raise PatternError(f"{path}: size {w}x{h} is outside {MIN_SIDE}...{MAX_SIDE} per side")
    if raw:
        if i >= n or data[i] not in space:
            raise PatternError(f"{path}: expected one whitespace byte before the raw bits")
        i += 1
        row_bytes = (w + 7) // 8
        if n - i < row_bytes * h:
            raise PatternError(f"{path}: truncated")
        packed = np.frombuffer(data, dtype=np.uint8, count=row_bytes * h, offset=i).reshape(h, row_bytes)
        bits = np.unpackbits(packed, axis=1)[:, :w]
    else:
        out = []
        while len(out) < w * h:
            skip()
            if i >= n:
                raise PatternError(f"{path}: truncated: found {len(out)} of {w * h} pixels")
            c = data[i]
            if c not in (48, 49):
                raise PatternError(f"{path}: unexpected byte 0x{c:02x} at pixel {len(out)}; P1 pixels are 0 or 1")
            out.append(c - 48)
            i += 1
        skip()
        if i != n:
            raise PatternError(f"{path}: extra data after {w * h} pixels")
        bits = np.array(out, dtype=np.uint8).reshape(h, w)
    return Pattern(bits, name=name)


def read_pbm(path: str) -> Pattern:
    if not os.path.isfile(path):
        raise PatternError(f"{path}: file not found" if not os.path.exists(path) else f"{path}: not a regular file")
    with open(path, "rb") as f:
        data = f.read(4 << 20 + 1)
    if len(data) > 4 << 20:
        raise PatternError(f"{path}: larger than 4 MB; not a pattern")
    return parse_pbm(data, path=path, name=os.path.splitext(os.path.basename(path))[0])


def square_outline(size: int) -> Pattern:
    b = np.zeros((size, size), dtype=np.uint8)
    b[1, 1:size - 1] = 1
    b[size - 2, 1:size - 1] = 1
    b[1:size - 1, 1] = 1
    b[1:size - 1, size - 2] = 1
    return Pattern(b, name=f"square{size}")


def randomly_filled_square(size: int, p: float, seed: int) -> Pattern:
    """The BN experiment's mask: the outline, interior filled with probability p, drawn exactly as
    the engine draws it (so both programs fit the same masks)."""
    rng = Xoshiro256(seed)
    pat = square_outline(size)
    for r in range(2, max(2, size - 2)):
        for c in range(2, max(2, size - 2)):
            pat.bits[r, c] = 1 if rng.unit_double() < p else 0
    pat.name = f"random{size}-p{int(_round_half_away(p * 100))}-s{seed}"
    return pat


def ring(size: int, outer: float = 0.42, inner: float = 0.2) -> Pattern:
    c = (size - 1) / 2
    yy, xx = np.mgrid[0:size, 0:size]
    d = np.sqrt((yy - c) ** 2 + (xx - c) ** 2)
    return Pattern((d < size * outer) & (d > size * inner), name=f"ring{size}" if inner > 0 else f"disk{size}")


def _round_half_away(x: float) -> float:
    """Swift's `rounded()` (to nearest, ties away from zero)."""
    import math
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)
