"""The plane files `mpo` writes and reads (Sources/MPO/Checkpoint.swift, README "Checkpoints"):
safetensors with origin, right_param, up_param [P] F32, scale [1] F32, pattern [H, W] U8,
adam_m, adam_v [3P + 1] F32, and the same `__metadata__` (format, format_version, the net and its
parameter table, settings, step, rng_state, pattern_name, created, precision, isa, config JSON).
"""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field

import numpy as np
from safetensors.numpy import load as st_load
from safetensors.numpy import save as st_save

from . import __version__
from .config import MAX_BATCH, MAX_CELLS, MAX_STEP, TrainingConfig, f32_text
from .files import atomic_write
from .net import Layout
from .pattern import MAX_SIDE, MIN_SIDE, Pattern

FORMAT = "losspatterns-plane"
VERSION = 1


class CheckpointError(ValueError):
    pass


@dataclass
class Checkpoint:
    config: TrainingConfig
    pattern: Pattern
    parameters: np.ndarray  # [3P + 1] float32: origin | right_param | up_param | scale
    adam_m: np.ndarray
    adam_v: np.ndarray
    step: int
    rng_state: list[int]
    created: str = ""
    precision: str = "fp32"
    device: str = "cpu"
    metadata: dict = field(default_factory=dict)  # as read

    def file_bytes(self) -> bytes:
        c, p = self.config, Layout(self.config.net).count
        if self.parameters.shape != (3 * p + 1,):
            raise CheckpointError(f"plane has {self.parameters.shape[0]} values, the net needs {3 * p + 1}")
        meta = {
            "format": FORMAT, "format_version": str(VERSION), **c.net.metadata(),
            "dataset": c.dataset, "preset": c.preset, "batch_size": str(c.batch_size), "cells": str(c.cells),
            "lr": f32_text(c.learning_rate), "clip": f32_text(c.clip), "grad_clip": f32_text(c.gradient_clip),
            "seed": str(c.seed), "step": str(self.step), "rng_state": ",".join(format(w, "x") for w in self.rng_state),
            "pattern_name": self.pattern.name,
            "created": self.created or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "precision": self.precision, "isa": f"pytorch-{self.device}",
            "trained_by": f"losspatterns (PyTorch companion {__version__})",
            "config": c.json_text(),
        }
        w = np.ascontiguousarray(self.parameters, dtype=np.float32)
        tensors = {
            "origin": w[:p].copy(), "right_param": w[p:2 * p].copy(), "up_param": w[2 * p:3 * p].copy(),
            "scale": w[3 * p:].copy(), "pattern": np.ascontiguousarray(self.pattern.bits, dtype=np.uint8),
            "adam_m": np.ascontiguousarray(self.adam_m, dtype=np.float32),
            "adam_v": np.ascontiguousarray(self.adam_v, dtype=np.float32),
        }
        return st_save(tensors, metadata=meta)

    def write(self, path: str) -> None:
        """Atomic; a plane or optimiser state holding NaN or infinity is never written."""
        if not np.all(np.isfinite(self.parameters)):
            raise CheckpointError(f"{path}: not saved: the plane has non-finite values (training diverged)")
        if not (np.all(np.isfinite(self.adam_m)) and np.all(np.isfinite(self.adam_v))):
            raise CheckpointError(f"{path}: not saved: the optimiser state has non-finite values")
        atomic_write(self.file_bytes(), path)


def _header_metadata(raw: bytes, path: str) -> dict:
    if len(raw) < 8:
        raise CheckpointError(f"{path}: damaged: shorter than a safetensors header")
    n = int.from_bytes(raw[:8], "little")
    if n > len(raw) - 8 or n > 100 << 20:
        raise CheckpointError(f"{path}: damaged: header length {n} exceeds the file")
    try:
        header = json.loads(raw[8:8 + n])
    except ValueError:
        raise CheckpointError(f"{path}: damaged: the header is not JSON") from None
    return header.get("__metadata__") or {}


def read(path: str) -> Checkpoint:
    with open(path, "rb") as f:
        raw = f.read()
    m = _header_metadata(raw, path)
    if m.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a LossPatterns checkpoint (format {m.get('format', 'missing')!r})")
    try:
        v = int(m.get("format_version", ""))
    except ValueError:
        raise CheckpointError(f"{path}: damaged: format version {m.get('format_version', 'missing')}") from None
    if v < 1:
        raise CheckpointError(f"{path}: damaged: format version {v}")
    if v > VERSION:
        raise CheckpointError(f"{path}: checkpoint format version {v} is newer than this program understands ({VERSION})")
    try:
        config = TrainingConfig.from_json(json.loads(m["config"]))
        config.net.validate()
    except (KeyError, ValueError, TypeError) as e:
        raise CheckpointError(f"{path}: damaged: the training configuration cannot be read ({e})") from None
    if not (1 <= config.batch_size <= MAX_BATCH and 1 <= config.cells <= MAX_CELLS):
        raise CheckpointError(f"{path}: damaged or not ours: batch {config.batch_size} or cells {config.cells} out of range")
    layout = Layout(config.net)
    if m.get("parameters") != layout.table:
        raise CheckpointError(f"{path}: damaged: its parameter table does not match its architecture")
    try:
        t = st_load(raw)
    except Exception as e:  # safetensors raises its own error type
        raise CheckpointError(f"{path}: damaged: {e}") from None
    p = layout.count

    def vector(name, count):
        if name not in t:
            raise CheckpointError(f"{path}: damaged: tensor {name} missing")
        a = t[name]
        if a.dtype != np.float32 or a.size != count:
            raise CheckpointError(f"{path}: damaged: tensor {name} has {a.size} {a.dtype} values, expected {count} F32")
        a = a.reshape(-1)
        if not np.all(np.isfinite(a)):
            raise CheckpointError(f"{path}: damaged: tensor {name} holds NaN or infinity")
        return a

    params = np.concatenate([vector("origin", p), vector("right_param", p), vector("up_param", p), vector("scale", 1)])
    pat = t.get("pattern")
    if pat is None or pat.dtype != np.uint8 or pat.ndim != 2 or not all(MIN_SIDE <= s <= MAX_SIDE for s in pat.shape):
        raise CheckpointError(f"{path}: damaged: pattern tensor must be U8 [H, W] with sides {MIN_SIDE}...{MAX_SIDE}")
    try:
        step = int(m.get("step", ""))
    except ValueError:
        step = -1
    if not (0 <= step <= MAX_STEP):
        raise CheckpointError(f"{path}: damaged: step missing or out of range")
    try:
        words = [int(w, 16) for w in m.get("rng_state", "").split(",")]
    except ValueError:
        words = []
    if len(words) != 4:
        raise CheckpointError(f"{path}: damaged: rng_state missing")
    return Checkpoint(
        config=config, pattern=Pattern(pat.copy(), name=m.get("pattern_name", "pattern")), parameters=params,
        adam_m=vector("adam_m", 3 * p + 1), adam_v=vector("adam_v", 3 * p + 1), step=step, rng_state=words,
        created=m.get("created", ""), precision=m.get("precision", "fp32"), metadata=dict(m))
