"""Training settings (Sources/MPO/TrainingConfig.swift) and their JSON, key for key, so a
checkpoint's `config` reads the same in both programs."""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

import numpy as np

from . import data
from .net import NETS, PAPER, SMALL, NetSpec


def f32(x: float) -> float:
    """x rounded to float32 and back, printed as its shortest float32 digits (0.001, not 0.0010000000474974513)."""
    return float(str(np.float32(x)))


def f32_text(x: float) -> str:
    """Swift's `String(Float)`: the shortest digits that round-trip in float32."""
    s = str(np.float32(x))
    return s if ("." in s or "e" in s or "inf" in s or "nan" in s) else s + ".0"


@dataclass
class TrainingConfig:
    preset: str
    net: NetSpec
    batch_size: int
    cells: int
    learning_rate: float
    clip: float = 2.5
    gradient_clip: float = 100.0
    initial_scale: float = 0.1
    seed: int = 1
    dataset: str = "fashion-mnist"
    data_directory: str | None = None
    # What a bad cell's clip clamps (Clamp.swift): "batch", the minibatch's mean cross-entropy (the
    # paper), or "image", each image's (the live preset).
    clamp: str = "batch"
    # What computed the plane, as the Swift side records it ({"isa": ..., "precision": ...}); kept
    # from a file made by mpo, None for the companion's own runs.
    compute: dict | None = None

    def with_bn(self, on: bool) -> "TrainingConfig":
        return replace(self, net=self.net.with_bn(on))

    def to_json(self) -> dict:
        d = {"preset": self.preset, "net": self.net.to_json(), "batchSize": self.batch_size, "cells": self.cells,
             "learningRate": f32(self.learning_rate), "clip": f32(self.clip), "gradientClip": f32(self.gradient_clip),
             "initialScale": f32(self.initial_scale), "seed": int(self.seed), "dataset": self.dataset,
             "clamp": self.clamp}
        if self.data_directory is not None:
            d["dataDirectory"] = self.data_directory
        if self.compute is not None:
            d["compute"] = self.compute
        return d

    def json_text(self) -> str:
        return json.dumps(self.to_json(), separators=(",", ":"))

    @staticmethod
    def from_json(d: dict) -> "TrainingConfig":
        return TrainingConfig(
            preset=str(d["preset"]), net=NetSpec.from_json(d["net"]), batch_size=int(d["batchSize"]),
            cells=int(d["cells"]), learning_rate=f32(d["learningRate"]), clip=f32(d["clip"]),
            gradient_clip=f32(d["gradientClip"]), initial_scale=f32(d["initialScale"]), seed=int(d["seed"]),
            dataset=str(d["dataset"]), data_directory=d.get("dataDirectory"),
            # files written before the per-image clamp clamped the batch's mean
            clamp=str(d.get("clamp", "batch")),
            compute=d.get("compute") if isinstance(d.get("compute"), dict) else None)


PRESETS = {
    # Appendix B of the paper: batch 512, 50 + 50 cells, Adam 3e-4, clamp 2.5, clip 100.
    "live": TrainingConfig("live", PAPER, 64, 32, f32(1e-3), clamp="image"),
    "paper": TrainingConfig("paper", PAPER, 512, 50, f32(3e-4)),
    "tiny": TrainingConfig("tiny", SMALL, 64, 8, f32(3e-3)),
}

# Checkpoint.swift's limits on what a file may ask for.
MAX_BATCH, MAX_CELLS, MAX_STEP = 1 << 14, 1 << 12, 1 << 48


def make_config(preset="live", net=None, bn=False, dataset="fashion-mnist", data_dir=None, seed=1, batch=None,
                cells=None, lr=None, clip=None, grad_clip=None) -> TrainingConfig:
    """`mpo train`'s TrainingOptions.config(), plus the companion's --clip and --grad-clip."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset}; use one of {', '.join(PRESETS)}")
    if dataset not in data.KINDS:
        raise ValueError(f"unknown dataset {dataset}; use one of {', '.join(data.KINDS)}")
    c = replace(PRESETS[preset])
    c.dataset = dataset
    c.data_directory = data_dir
    if net is not None:
        if net not in NETS:
            raise ValueError(f"unknown net {net}; use one of {', '.join(NETS)}")
        c.net = NETS[net]
    c.net = c.net.for_images(data.image_shape(dataset))
    if bn:
        c.net = c.net.with_bn(True)
    if batch is not None:
        c.batch_size = batch
    if cells is not None:
        c.cells = cells
    if lr is not None:
        c.learning_rate = f32(lr)
    if clip is not None:
        c.clip = f32(clip)
    if grad_clip is not None:
        c.gradient_clip = f32(grad_clip)
    c.seed = int(seed)
    c.net.validate()
    if not (1 <= c.batch_size <= MAX_BATCH):
        raise ValueError(f"--batch must be 1...{MAX_BATCH}")
    if not (1 <= c.cells <= MAX_CELLS):
        raise ValueError(f"--cells must be 1...{MAX_CELLS}")
    if not (0 < c.learning_rate <= 1):
        raise ValueError("--lr must be above 0 and at most 1")
    if not (0 < c.gradient_clip) or not (c.clip >= 0):
        raise ValueError("--clip must be 0 or more and --grad-clip above 0")
    if not (0 <= c.seed < 1 << 64):
        raise ValueError("--seed must be 0...2^64-1")
    return c
