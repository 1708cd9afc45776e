"""Multi-point optimization (DESIGN.md §1), as the engine's Trainer does it
(Sources/MPO/Trainer.swift, Plane.swift, Engine/Optim/Optimizer.swift):

one step = draw up to `cells` good and `cells` bad cells (partial Fisher-Yates) and one minibatch
shared by all of them (indices with replacement) from the engine's generator; objective
    L = mean_good CE - mean_bad clamp(CE, 0, clip)
(with the config's clamp "image", each bad cell's term is mean_i clamp(CE_i, 0, clip) instead)
through the plane map (right = right_param - origin; up = Gram-Schmidt of up_param against right,
length matched; w = origin + scale * ((row - H/2) up + (col - W/2) right)); the gradient of the
whole plane [3P + 1] by autograd through that map; global norm clipping as clip_grad_norm_; Adam
with PyTorch's bias correction in the engine's float32 arithmetic.

All cells of a step go through the net as one batched computation (`net.forward`), in chunks of
cells when memory asks for it (the objective is a sum over cells, so chunks add up exactly). Under
torchrun the cells of each step are split over the processes and the plane gradient (and the
per-cell losses) are summed with one all-reduce; every process draws the same cells and batch.
"""
from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass

import numpy as np
import torch

from .config import TrainingConfig
from .data import Dataset
from .dist import Context
from .net import Layout, activation_floats, cell_losses
from .pattern import Pattern
from .rng import Xoshiro256

BETA1, BETA2, EPS = np.float32(0.9), np.float32(0.999), np.float32(1e-8)


def resolve_precision(name: str, device: torch.device) -> str:
    if name == "auto":
        if device.type == "cuda" and torch.cuda.is_bf16_supported():
            return "bf16"
        return "fp32"
    if name not in ("fp32", "bf16"):
        raise ValueError(f"unknown precision {name}; use fp32, bf16 or auto")
    return name


def autocast(device: torch.device, precision: str):
    if precision == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def axes(theta: torch.Tensor, p: int):
    """right and up [P] from the flat plane (autograd flows through; dots in float64)."""
    o, rp, upp = theta[:p], theta[p:2 * p], theta[2 * p:3 * p]
    right = rp - o
    rd = right.double()
    rr = torch.dot(rd, rd)
    alpha = torch.dot(upp.double(), rd) / rr
    perp = upp - alpha.to(theta.dtype) * right
    pd = perp.double()
    k = torch.sqrt(rr) / torch.sqrt(torch.dot(pd, pd))
    return right, perp * k.to(theta.dtype)


def offsets(cells, height: int, width: int, device, dtype=torch.float32):
    """(row - H/2, col - W/2) per cell (fractional positions allowed)."""
    a = torch.tensor([float(r) - (height // 2) for r, _ in cells], dtype=dtype, device=device)
    b = torch.tensor([float(c) - (width // 2) for _, c in cells], dtype=dtype, device=device)
    return a, b


def points(theta: torch.Tensor, p: int, a: torch.Tensor, b: torch.Tensor, ax=None) -> torch.Tensor:
    """Weights [K, P] at plane offsets (a, b)."""
    right, up = ax if ax is not None else axes(theta, p)
    s = theta[3 * p]
    return theta[:p].unsqueeze(0) + s * (a.unsqueeze(1) * up.unsqueeze(0) + b.unsqueeze(1) * right.unsqueeze(0))


def clip_gradient_norm(g: torch.Tensor, max_norm: float) -> float:
    """torch.nn.utils.clip_grad_norm_ over the one flat gradient: scale by max/(norm + 1e-6) when
    that is below 1. Returns the norm before clipping."""
    norm = math.sqrt(float(torch.dot(g.double(), g.double())))
    coefficient = float(max_norm) / (norm + 1e-6)
    if coefficient < 1:
        g.mul_(np.float32(coefficient).item())
    return norm


class Adam:
    """m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps),
    in float32 and in the engine's order of operations (so both programs step alike)."""

    def __init__(self, count: int, lr: float, device, m=None, v=None, step: int = 0):
        self.lr = lr
        self.m = torch.zeros(count, dtype=torch.float32, device=device) if m is None else torch.as_tensor(m, dtype=torch.float32).to(device).clone()
        self.v = torch.zeros(count, dtype=torch.float32, device=device) if v is None else torch.as_tensor(v, dtype=torch.float32).to(device).clone()
        self.step = int(step)

    def update(self, params: torch.Tensor, g: torch.Tensor) -> None:
        self.step += 1
        t = float(self.step)
        b1, b2 = float(BETA1), float(BETA2)  # the float32 betas, widened as the engine widens them
        step_size = float(np.float32(float(np.float32(self.lr)) / (1 - b1 ** t)))
        root2 = float(np.float32(math.sqrt(1 - b2 ** t)))
        c1, c2 = float(np.float32(1 - b1)), float(np.float32(1 - b2))
        self.m.mul_(b1).add_(g * c1)
        self.v.mul_(b2).add_((g * c2) * g)
        params.sub_((self.m * step_size) / (self.v.sqrt() / root2 + float(EPS)))


@dataclass
class StepResult:
    step: int
    objective: float
    good_loss: float
    bad_loss: float
    good_accuracy: float
    bad_accuracy: float
    gradient_norm: float
    cell_images: int
    seconds: float


@dataclass
class State:
    parameters: np.ndarray
    adam_m: np.ndarray
    adam_v: np.ndarray
    step: int
    rng_state: list


def memory_budget(device: torch.device) -> float:
    """Bytes of activations one chunk of cells may take: most of a GPU's free memory; on a CPU a
    size that stays near the caches' reach (measured: chunks of 8-32 live-preset cells run alike,
    one 64-cell pass ~2x slower, as does a 2 GB chunk of the paper preset)."""
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return 0.6 * free
    return 256e6


class Trainer:
    def __init__(self, config: TrainingConfig, pattern: Pattern, train: Dataset, ctx: Context | None = None,
                 precision: str = "auto", state: State | None = None, cell_chunk: int = 0):
        self.config, self.pattern = config, pattern
        self.ctx = ctx or Context(device="cpu", init=False)
        self.device = self.ctx.device
        self.precision = resolve_precision(precision, self.device)
        self.layout = Layout(config.net)
        if tuple(train.shape) != tuple(config.net.input_shape):
            raise ValueError(f"{train.name}: images are {'x'.join(map(str, train.shape))}, the net expects "
                             f"{'x'.join(map(str, config.net.input_shape))}")
        self.train = train.to(self.device)
        self.good, self.bad = pattern.trained_cells()
        if not self.good and not self.bad:
            raise ValueError(f"{pattern.name}: pattern has no edges to train (all cells are one colour)")
        p = self.layout.count
        if state is None:
            rng = Xoshiro256(config.seed)
            o = self.layout.initial_weights(rng)
            r = self.layout.initial_weights(rng)
            u = self.layout.initial_weights(rng)
            params = np.concatenate([o, r, u, np.array([config.initial_scale], dtype=np.float32)])
            self.rng = rng
            self.adam = Adam(3 * p + 1, config.learning_rate, self.device)
        else:
            if state.parameters.shape != (3 * p + 1,):
                raise ValueError(f"plane has {state.parameters.shape[0]} values, the net needs {3 * p + 1}")
            params = state.parameters
            self.rng = Xoshiro256(state=state.rng_state)
            self.adam = Adam(3 * p + 1, config.learning_rate, self.device, state.adam_m, state.adam_v, state.step)
        self.theta = torch.as_tensor(np.asarray(params, dtype=np.float32)).to(self.device).clone()
        self.cell_chunk = cell_chunk
        self.last_cells: list = []

    @property
    def step(self) -> int:
        return self.adam.step

    @property
    def p(self) -> int:
        return self.layout.count

    @property
    def scale(self) -> float:
        return float(self.theta[3 * self.p])

    def state(self) -> State:
        return State(self.theta.detach().cpu().numpy().copy(), self.adam.m.cpu().numpy().copy(),
                     self.adam.v.cpu().numpy().copy(), self.adam.step, self.rng.words)

    def snapshot(self):
        """The state on its device (cheap; for rolling back a step that went non-finite)."""
        return (self.theta.clone(), self.adam.m.clone(), self.adam.v.clone(), self.adam.step, self.rng.words)

    def roll_back(self, snap) -> None:
        self.theta, self.adam.m, self.adam.v, self.adam.step = snap[0], snap[1], snap[2], snap[3]
        self.rng = Xoshiro256(state=snap[4])

    def restore(self, s: State) -> None:
        self.theta = torch.as_tensor(s.parameters).to(self.device).clone()
        self.adam.m = torch.as_tensor(s.adam_m).to(self.device).clone()
        self.adam.v = torch.as_tensor(s.adam_v).to(self.device).clone()
        self.adam.step = s.step
        self.rng = Xoshiro256(state=s.rng_state)

    # -- drawing, exactly as the engine draws ------------------------------------------------
    def sample(self, cells, k):
        pool = list(cells)
        n = min(k, len(pool))
        for i in range(n):
            j = i + self.rng.below(len(pool) - i)
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:n]

    def draw(self):
        good = self.sample(self.good, self.config.cells)
        bad = self.sample(self.bad, self.config.cells)
        count = self.train.count
        idx = [self.rng.below(count) for _ in range(self.config.batch_size)]
        return good, bad, torch.tensor(idx, dtype=torch.long, device=self.device)

    # -- the objective and its gradient -------------------------------------------------------
    def chunk_size(self, batch: int, training: bool = True) -> int:
        if self.cell_chunk > 0:
            return self.cell_chunk
        per_cell = batch * activation_floats(self.config.net) * 4 * (2.0 if training else 0.6) + 4 * 3 * self.p
        return max(1, int(memory_budget(self.device) // per_cell))

    def gradient(self, cells, good_count: int, x: torch.Tensor, y: torch.Tensor):
        """Plane gradient [3P + 1] (summed over processes), per-cell losses [K] and correct counts [K]
        of the objective on these cells (good ones first) and this batch."""
        p, k_all = self.p, len(cells)
        bad_count = k_all - good_count
        clip = float(self.config.clip)
        theta = self.theta.detach().clone().requires_grad_(True)
        losses = torch.zeros(k_all, dtype=torch.float64, device=self.device)
        correct = torch.zeros(k_all, dtype=torch.float64, device=self.device)
        terms = torch.zeros(k_all, dtype=torch.float64, device=self.device)  # each cell's term of the objective
        world, rank = (self.ctx.world, self.ctx.rank) if self.ctx.distributed else (1, 0)
        lo, hi = rank * k_all // world, (rank + 1) * k_all // world
        chunk = self.chunk_size(x.shape[0])
        for start in range(lo, hi, chunk):
            end = min(hi, start + chunk)
            a, b = offsets(cells[start:end], self.pattern.height, self.pattern.width, self.device)
            w = points(theta, p, a, b)
            with autocast(self.device, self.precision):
                ce_images, hits = cell_losses(self.config.net, self.layout, w, x, y, per_image=True)
            ce = ce_images.mean(1)
            # Clamp.swift: the batch's mean (the paper) or each image's, images past the clip dropping out
            bad_term = ce_images.clamp(0, clip).mean(1) if self.config.clamp == "image" else ce.clamp(0, clip)
            is_good = torch.arange(start, end, device=self.device) < good_count
            term = torch.where(is_good, ce / max(good_count, 1), -bad_term / max(bad_count, 1))
            term.sum().backward()
            losses[start:end] = ce.detach().double()
            terms[start:end] = torch.where(is_good, ce, bad_term).detach().double()
            correct[start:end] = hits.double()
        g = theta.grad if theta.grad is not None else torch.zeros_like(theta)
        if self.ctx.distributed:
            packed = torch.cat([g.double(), losses, correct, terms])
            self.ctx.reduce(packed)
            g = packed[:3 * p + 1].float()
            losses, correct, terms = packed[3 * p + 1:].split(k_all)
        self.last_terms = terms.cpu().numpy()
        return g.detach(), losses.cpu().numpy(), correct.cpu().numpy()

    def step_once(self) -> StepResult:
        start = time.time()
        good, bad, idx = self.draw()
        cells = good + bad
        self.last_cells = cells
        x, y = self.train.images[idx], self.train.labels[idx]
        g, losses, correct = self.gradient(cells, len(good), x, y)
        norm = clip_gradient_norm(g, self.config.gradient_clip)
        self.adam.lr = self.config.learning_rate
        self.adam.update(self.theta, g)
        n = x.shape[0]
        gl, bl = losses[:len(good)], losses[len(good):]
        mean = lambda v: float(np.mean(v)) if len(v) else 0.0
        objective = mean(self.last_terms[:len(good)]) - mean(self.last_terms[len(good):])
        acc = correct / n
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        return StepResult(self.step, objective, mean(gl), mean(bl), mean(acc[:len(good)]), mean(acc[len(good):]),
                          norm, len(cells) * n, time.time() - start)

    def finite(self) -> bool:
        return bool(torch.isfinite(self.theta).all() and torch.isfinite(self.adam.m).all()
                    and torch.isfinite(self.adam.v).all())
