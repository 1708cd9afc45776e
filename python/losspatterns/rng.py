"""The Swift engine's random numbers, bit for bit: xoshiro256** seeded by SplitMix64
(Sources/Engine/Random/Xoshiro256.swift), Swift's unbiased `next(upperBound:)` (Lemire's
nearly divisionless method) and the engine's 24-bit float uniform.

Using the same generator means a plane started from a seed here starts where `mpo train` starts
(same initial weights, same cells, same minibatches), and a checkpoint's `rng_state` means the
same thing in both programs: a plane resumed by either continues the same draws.
"""
from __future__ import annotations

import numpy as np

MASK = (1 << 64) - 1


def _rotl(x: int, k: int) -> int:
    return ((x << k) | (x >> (64 - k))) & MASK


class Xoshiro256:
    __slots__ = ("s0", "s1", "s2", "s3")

    def __init__(self, seed: int | None = None, state: list[int] | None = None):
        if state is not None:
            if len(state) != 4:
                raise ValueError("xoshiro256 state needs 4 words")
            self.s0, self.s1, self.s2, self.s3 = (int(w) & MASK for w in state)
            return
        z = int(seed or 0) & MASK
        words = []
        for _ in range(4):
            z = (z + 0x9E3779B97F4A7C15) & MASK
            x = z
            x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
            words.append(x ^ (x >> 31))
        self.s0, self.s1, self.s2, self.s3 = words

    @property
    def words(self) -> list[int]:
        return [self.s0, self.s1, self.s2, self.s3]

    def copy(self) -> "Xoshiro256":
        return Xoshiro256(state=self.words)

    def next(self) -> int:
        s0, s1, s2, s3 = self.s0, self.s1, self.s2, self.s3
        result = (_rotl((s1 * 5) & MASK, 7) * 9) & MASK
        t = (s1 << 17) & MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = _rotl(s3, 45)
        self.s0, self.s1, self.s2, self.s3 = s0, s1, s2, s3
        return result

    def raw(self, n: int) -> np.ndarray:
        """n successive outputs as uint64 (a plain loop: the generator is sequential)."""
        s0, s1, s2, s3 = self.s0, self.s1, self.s2, self.s3
        out = [0] * n
        for i in range(n):
            out[i] = (_rotl((s1 * 5) & MASK, 7) * 9) & MASK
            t = (s1 << 17) & MASK
            s2 ^= s0
            s3 ^= s1
            s1 ^= s2
            s0 ^= s3
            s2 ^= t
            s3 = ((s3 << 45) | (s3 >> 19)) & MASK
        self.s0, self.s1, self.s2, self.s3 = s0, s1, s2, s3
        return np.array(out, dtype=np.uint64)

    def below(self, n: int) -> int:
        """Uniform in 0..<n without bias, exactly as Swift's `next(upperBound:)`."""
        if n <= 0:
            raise ValueError("upper bound must be positive")
        m = self.next() * n
        low = m & MASK
        if low < n:
            t = ((1 << 64) - n) % n
            while low < t:
                m = self.next() * n
                low = m & MASK
        return m >> 64

    def unit_double(self) -> float:
        """Double(next() >> 11) * 2^-53, in [0, 1) (the engine's pattern generators)."""
        return float(self.next() >> 11) * (2.0 ** -53)

    def uniforms(self, n: int, lo: np.float32, hi: np.float32) -> np.ndarray:
        """n values of the engine's `uniform(lo, hi)`: lo + (hi - lo) * Float(next() >> 40) / 2^24,
        evaluated in float32 in the same order."""
        lo, hi = np.float32(lo), np.float32(hi)
        bits = (self.raw(n) >> np.uint64(40)).astype(np.float32)
        return lo + ((hi - lo) * bits) * np.float32(1.0 / 16_777_216.0)
