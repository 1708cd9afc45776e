"""Loss and accuracy over a plane (Sources/MPO/Evaluator.swift): each position's net sees the
whole evaluation subset as one batch, so a BN net uses the statistics of the whole subset and
chunking (here: over cells) never changes the numbers; the paper's score on a pattern's cells."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .data import Dataset
from .net import Layout, NetSpec, activation_floats, cell_losses
from .pattern import Pattern
from .trainer import autocast, axes, memory_budget, points, resolve_precision


class Evaluator:
    def __init__(self, net: NetSpec, data: Dataset, device=torch.device("cpu"), precision: str = "fp32", chunk: int = 0):
        self.net, self.layout = net, Layout(net)
        self.device = torch.device(device)
        self.data = data.to(self.device)
        self.precision = resolve_precision(precision, self.device)
        self.chunk = chunk

    def chunk_size(self) -> int:
        if self.chunk > 0:
            return self.chunk
        per_cell = self.data.count * activation_floats(self.net) * 4 * 0.6 + 8 * self.layout.count
        return max(1, int(memory_budget(self.device) // per_cell))

    @torch.no_grad()
    def evaluate(self, theta: torch.Tensor, height: int, width: int, positions) -> tuple[np.ndarray, np.ndarray]:
        p = self.layout.count
        theta = theta.to(self.device).float()
        ax = axes(theta, p)
        loss = np.zeros(len(positions))
        acc = np.zeros(len(positions))
        x, y = self.data.images, self.data.labels
        n = x.shape[0]
        step = self.chunk_size()
        for s in range(0, len(positions), step):
            chunk = positions[s:s + step]
            a = torch.tensor([r - (height // 2) for r, _ in chunk], dtype=torch.float32, device=self.device)
            b = torch.tensor([c - (width // 2) for _, c in chunk], dtype=torch.float32, device=self.device)
            w = points(theta, p, a, b, ax)
            with autocast(self.device, self.precision):
                ce, hits = cell_losses(self.net, self.layout, w, x, y)
            loss[s:s + len(chunk)] = ce.double().cpu().numpy()
            acc[s:s + len(chunk)] = (hits.double() / n).cpu().numpy()
        return loss, acc

    def pattern_map(self, theta, pattern: Pattern):
        pos = [(float(r), float(c)) for r in range(pattern.height) for c in range(pattern.width)]
        loss, acc = self.evaluate(theta, pattern.height, pattern.width, pos)
        return loss.reshape(pattern.height, pattern.width), acc.reshape(pattern.height, pattern.width)

    def score(self, theta, pattern: Pattern) -> "PatternScore":
        loss, acc = self.pattern_map(theta, pattern)
        return PatternScore.of(pattern, loss.astype(np.float32), acc.astype(np.float32))


@dataclass
class PatternScore:
    gap: float
    good_accuracy: float
    bad_accuracy: float
    good_loss: float
    bad_loss: float
    match: float
    loss: np.ndarray | None = None

    @staticmethod
    def of(pattern: Pattern, loss: np.ndarray, acc: np.ndarray) -> "PatternScore":
        roles = pattern.roles()

        def mean(v, role):
            sel = v[roles == role].astype(np.float64)
            return float(sel.mean()) if sel.size else 0.0

        ga, ba = mean(acc, 1), mean(acc, -1)
        black, white = loss[pattern.bits != 0].astype(np.float64), loss[pattern.bits == 0].astype(np.float64)
        threshold = ((black.mean() if black.size else 0.0) + (white.mean() if white.size else 0.0)) / 2
        right = int(((loss.astype(np.float64) < threshold) == (pattern.bits != 0)).sum())
        return PatternScore(ga - ba, ga, ba, mean(loss, 1), mean(loss, -1), right / max(1, loss.size), loss)


RAMP = " .:-=+*#%@"


def loss_beside_pattern(loss: np.ndarray, pattern: Pattern, clip: float) -> str:
    """The engine's ASCII preview: -min(loss, clip) as a density ramp next to the target."""
    v = -np.minimum(loss, clip)
    t = np.clip((v + clip) / max(clip, 1e-9), 0, 1)
    idx = np.minimum(len(RAMP) - 1, (t * (len(RAMP) - 1) + 0.5).astype(int))
    out = "loss" + " " * max(0, pattern.width - 4) + "  | target\n"
    for r in range(pattern.height):
        left = "".join(RAMP[i] if np.isfinite(loss[r, c]) else "?" for c, i in enumerate(idx[r]))
        right = "".join("@" if b else " " for b in pattern.bits[r])
        out += left + "  | " + right + "\n"
    return out
