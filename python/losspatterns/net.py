"""The nets the Swift engine describes (Sources/Engine/Model: ModelSpec, ParameterLayout,
Initializer) and one batched forward pass for many weight vectors at once.

This file is the one mirror of the engine's layer types outside Sources/Engine (ARCHITECTURE.md,
"A layer type"): the companion runs where no Swift binary is, and it computes K nets as one
batched computation (grouped convolutions, one batch_norm over K*F channels, batched matrix
products), so each layer type needs its own PyTorch code here whatever describes it. The engine
exports its layer plan (`mpo info --net NET --plan`: modules, torch.nn classes, shapes, FLOPs,
parameters) and tests/test_plan_parity.py checks this file against it: `Layout`, the FLOPs and
`forward` equal an nn.Sequential built from the plan, for every preset and a range of nets.

A net: 3x3 convs (padding 1), each optionally followed by BatchNorm (before the ReLU; stored
scale gamma - 1, batch statistics always, eps 1e-5, biased variance) and a 2x2 max-pool (floor),
then an adaptive average pool to k x k, a flatten and a ReLU MLP ending in `classes` logits.
Its parameters are one flat vector in PyTorch `named_parameters()` order of the equivalent
`nn.Sequential`, so the parameter table ("0.weight:8x1x3x3;0.bias:8;...") is the engine's.

`forward(spec, weights[K, P], x[N, C, H, W])` runs K nets - the K sampled cells of a step - as
one computation: the first conv is one ordinary convolution with K*F output channels (the
minibatch is shared), later convs are grouped convolutions with K groups, BatchNorm is one
`batch_norm` over K*F channels (per cell and channel, over the batch: exactly each cell's batch
statistics), and the MLP layers are batched matrix products over the K cells.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import torch
import torch.nn.functional as F

from .rng import Xoshiro256

BN_EPS = 1e-5


@dataclass(frozen=True)
class NetSpec:
    """Sources/Engine/Model/ModelSpec.swift, field for field (JSON keys in `to_json`)."""
    conv_channels: tuple[int, ...]
    dense: tuple[int, ...]
    batch_norm: bool = False
    max_pool: bool = True
    adaptive_pool: int = 4
    classes: int = 10
    input_shape: tuple[int, int, int] = (1, 28, 28)

    def with_bn(self, on: bool) -> "NetSpec":
        return replace(self, batch_norm=bool(on))

    def for_images(self, shape) -> "NetSpec":
        """The same net for images of another shape (the first conv takes their channels)."""
        shape = tuple(int(s) for s in shape)
        return replace(self, input_shape=shape, conv_channels=(shape[0],) + tuple(self.conv_channels[1:]))

    @property
    def flattened_features(self) -> int:
        return self.conv_channels[-1] * self.adaptive_pool * self.adaptive_pool

    def block_sides(self) -> list[tuple[int, int]]:
        h, w = self.input_shape[1], self.input_shape[2]
        out = []
        for _ in self.conv_channels[1:]:
            if self.max_pool:
                h, w = h // 2, w // 2
            out.append((h, w))
        return out

    def validate(self) -> None:
        def fail(s):
            raise ValueError(f"invalid model: {s}")
        if len(self.input_shape) != 3 or min(self.input_shape) <= 0:
            fail(f"input shape must be C,H,W with positive sizes, got {list(self.input_shape)}")
        if len(self.conv_channels) < 2 or min(self.conv_channels) <= 0:
            fail(f"need the input channels and at least one conv layer, got {list(self.conv_channels)}")
        if self.conv_channels[0] != self.input_shape[0]:
            fail(f"conv input channels {self.conv_channels[0]} differ from image channels {self.input_shape[0]}")
        sides = self.block_sides()
        if sides and (sides[-1][0] < 1 or sides[-1][1] < 1):
            fail(f"max-pooling {len(self.conv_channels) - 1} times shrinks "
                 f"{self.input_shape[1]}x{self.input_shape[2]} to nothing")
        if not (1 <= self.adaptive_pool <= 64) or self.classes <= 1:
            fail("adaptive pool side must be 1...64 and classes > 1")
        if not self.dense or min(self.dense) <= 0:
            fail(f"dense sizes must be positive, got {list(self.dense)}")
        if self.dense[0] != self.flattened_features:
            fail(f"first dense size {self.dense[0]} must equal channels x pool^2 = {self.flattened_features}")

    @property
    def text(self) -> str:
        """The description `--net` parses back (ModelSpec+Text.swift `text`), every clause written out."""
        clauses = ["input " + "x".join(map(str, self.input_shape)),
                   "conv " + ",".join(map(str, self.conv_channels[1:])) + (" bn" if self.batch_norm else "")
                   + (" pool" if self.max_pool else ""),
                   f"avgpool {self.adaptive_pool}"]
        if len(self.dense) > 1:
            clauses.append("dense " + ",".join(map(str, self.dense[1:])))
        clauses.append(f"classes {self.classes}")
        return "; ".join(clauses)

    @property
    def summary(self) -> str:
        parts = ["conv " + "-".join(map(str, self.conv_channels)),
                 "dense " + "-".join(map(str, tuple(self.dense) + (self.classes,)))]
        if self.batch_norm:
            parts.append("BN")
        if self.max_pool:
            parts.append("max-pool")
        parts.append("x".join(map(str, self.input_shape)))
        return ", ".join(parts)

    # The Swift side's JSON (TrainingConfig.net, BNExperiment.Settings.net).
    def to_json(self) -> dict:
        return {"adaptivePool": self.adaptive_pool, "batchNorm": self.batch_norm, "classes": self.classes,
                "convChannels": list(self.conv_channels), "dense": list(self.dense),
                "inputShape": list(self.input_shape), "maxPool": self.max_pool}

    @staticmethod
    def from_json(d: dict) -> "NetSpec":
        return NetSpec(conv_channels=tuple(int(c) for c in d["convChannels"]), dense=tuple(int(c) for c in d["dense"]),
                       batch_norm=bool(d["batchNorm"]), max_pool=bool(d["maxPool"]),
                       adaptive_pool=int(d["adaptivePool"]), classes=int(d["classes"]),
                       input_shape=tuple(int(c) for c in d["inputShape"]))

    # The checkpoint / fixture metadata keys.
    def metadata(self) -> dict[str, str]:
        return {"conv_channels": ",".join(map(str, self.conv_channels)), "dense": ",".join(map(str, self.dense)),
                "batch_norm": "true" if self.batch_norm else "false", "max_pool": "true" if self.max_pool else "false",
                "adaptive_pool": str(self.adaptive_pool), "input_shape": ",".join(map(str, self.input_shape)),
                "classes": str(self.classes), "parameters": Layout(self).table}

    @staticmethod
    def from_metadata(m: dict[str, str]) -> "NetSpec":
        ints = lambda k: tuple(int(v) for v in m[k].split(","))
        return NetSpec(conv_channels=ints("conv_channels"), dense=ints("dense"), batch_norm=m["batch_norm"] == "true",
                       max_pool=m["max_pool"] == "true", adaptive_pool=ints("adaptive_pool")[0],
                       classes=ints("classes")[0], input_shape=ints("input_shape"))

    # FLOPs (multiply-adds x 2) per image, for the bench's GFLOP/s.
    def forward_flops(self) -> float:
        h, w = self.input_shape[1], self.input_shape[2]
        flops = 0.0
        for cin, cout in zip(self.conv_channels, self.conv_channels[1:]):
            flops += 2.0 * h * w * cout * cin * 9
            if self.max_pool:
                h, w = h // 2, w // 2
        sizes = list(self.dense) + [self.classes]
        for a, b in zip(sizes, sizes[1:]):
            flops += 2.0 * a * b
        return flops

    def training_flops(self) -> float:
        """Forward + backward: the backward costs two forwards except the first conv's input gradient."""
        first = 2.0 * self.conv_channels[1] * self.conv_channels[0] * 9 * self.input_shape[1] * self.input_shape[2]
        return 3 * self.forward_flops() - first


PAPER = NetSpec(conv_channels=(1, 8, 32, 64), dense=(1024, 128))
PAPER_BN = NetSpec(conv_channels=(1, 8, 8, 32, 32, 64, 64), dense=(1024, 128), batch_norm=True, max_pool=False)
SMALL = NetSpec(conv_channels=(1, 4, 8), dense=(128, 16))
TINY = NetSpec(conv_channels=(1, 4), dense=(64, 16))
MINI = NetSpec(conv_channels=(1, 4, 4, 8), dense=(128, 32))  # BNExperiment.miniNet
NETS = {"paper": PAPER, "paper-bn": PAPER_BN, "small": SMALL, "tiny": TINY}
EXPERIMENT_NETS = {"mini": MINI, **NETS}


@dataclass(frozen=True)
class Entry:
    name: str
    shape: tuple[int, ...]
    offset: int
    kind: str  # convWeight convBias bnScale bnShift linearWeight linearBias
    fan_in: int

    @property
    def count(self) -> int:
        return int(np.prod(self.shape))


class Layout:
    """ParameterLayout.swift: where each tensor lives in the flat vector, PyTorch names."""

    def __init__(self, spec: NetSpec):
        self.spec = spec
        entries, offset, module = [], 0, 0

        def add(kind, suffix, shape, fan_in):
            nonlocal offset
            entries.append(Entry(f"{module}.{suffix}", tuple(shape), offset, kind, fan_in))
            offset += int(np.prod(shape))

        for cin, cout in zip(spec.conv_channels, spec.conv_channels[1:]):
            add("convWeight", "weight", (cout, cin, 3, 3), cin * 9)
            add("convBias", "bias", (cout,), cin * 9)
            module += 1
            if spec.batch_norm:
                add("bnScale", "weight", (cout,), 1)
                add("bnShift", "bias", (cout,), 1)
                module += 1
            module += 2 if spec.max_pool else 1
        module += 2
        sizes = list(spec.dense) + [spec.classes]
        for i, (fin, fout) in enumerate(zip(sizes, sizes[1:])):
            add("linearWeight", "weight", (fout, fin), fin)
            add("linearBias", "bias", (fout,), fin)
            module += 2 if i < len(sizes) - 2 else 1
        self.entries: list[Entry] = entries
        self.count: int = offset

    @property
    def table(self) -> str:
        return ";".join(f"{e.name}:" + "x".join(map(str, e.shape)) for e in self.entries)

    def initial_weights(self, rng: Xoshiro256) -> np.ndarray:
        """PyTorch's default Conv2d/Linear initialisation (uniform +-1/sqrt(fan_in)), BN zeros,
        drawn from the engine's generator in the engine's order."""
        w = np.zeros(self.count, dtype=np.float32)
        for e in self.entries:
            if e.kind in ("bnScale", "bnShift"):
                continue
            bound = np.float32(1) / np.sqrt(np.float32(e.fan_in))
            w[e.offset:e.offset + e.count] = rng.uniforms(e.count, -bound, bound)
        return w


def forward(spec: NetSpec, layout: Layout, weights: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Logits [K, N, classes] of K nets (weights [K, P]) on one shared batch x [N, C, H, W]."""
    k = weights.shape[0]
    n = x.shape[0]
    it = iter(layout.entries)
    # one split (its backward is one concatenation, not a zero-filled [K, P] per tensor)
    parts = dict(zip((e.name for e in layout.entries), torch.split(weights, [e.count for e in layout.entries], dim=1)))

    def take(e: Entry) -> torch.Tensor:
        return parts[e.name]

    h = x
    first = True
    for cin, cout in zip(spec.conv_channels, spec.conv_channels[1:]):
        ew, eb = next(it), next(it)
        wgt = take(ew).reshape(k * cout, cin, 3, 3)
        bias = take(eb).reshape(k * cout)
        if first:
            h = F.conv2d(h, wgt, bias, padding=1)  # shared input: K*F output channels
            first = False
        else:
            h = F.conv2d(h, wgt, bias, padding=1, groups=k)
        if spec.batch_norm:
            es, eh = next(it), next(it)
            gamma = take(es).reshape(k * cout) + 1.0
            beta = take(eh).reshape(k * cout)
            h = F.batch_norm(h, None, None, gamma, beta, training=True, momentum=0.0, eps=BN_EPS)
        h = F.relu(h)
        if spec.max_pool:
            h = F.max_pool2d(h, 2, 2)
    h = F.adaptive_avg_pool2d(h, spec.adaptive_pool)
    h = h.reshape(n, k, spec.flattened_features).transpose(0, 1)  # [K, N, D], per cell (C, k, k) order
    sizes = list(spec.dense) + [spec.classes]
    for i, (fin, fout) in enumerate(zip(sizes, sizes[1:])):
        ew, eb = next(it), next(it)
        wgt = take(ew).reshape(k, fout, fin)
        bias = take(eb).reshape(k, 1, fout)
        h = torch.baddbmm(bias, h, wgt.transpose(1, 2))
        if i < len(sizes) - 2:
            h = F.relu(h)
    return h


def cell_losses(spec: NetSpec, layout: Layout, weights: torch.Tensor, x: torch.Tensor, y: torch.Tensor, per_image: bool = False):
    """Mean cross-entropy [K] (float32, or float64 for float64 weights) and correct predictions [K] of K nets on (x, y);
    with per_image, each image's cross-entropy [K, N] instead of the mean."""
    logits = forward(spec, layout, weights, x)
    if logits.dtype in (torch.bfloat16, torch.float16):
        logits = logits.float()
    k, n, c = logits.shape
    ce = F.cross_entropy(logits.reshape(k * n, c), y.repeat(k), reduction="none").view(k, n)
    correct = (logits.argmax(2) == y.unsqueeze(0)).sum(1)
    return (ce if per_image else ce.mean(1)), correct


def activation_floats(spec: NetSpec) -> int:
    """Floats of activations per image and cell (conv outputs at each stage), for sizing chunks."""
    h, w = spec.input_shape[1], spec.input_shape[2]
    total = 0
    for cout in spec.conv_channels[1:]:
        total += h * w * cout * (3 if spec.batch_norm else 2)
        if spec.max_pool:
            h, w = h // 2, w // 2
            total += h * w * cout
    total += sum(spec.dense) * 2 + spec.classes
    return total
