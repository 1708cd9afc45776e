"""Plane files: the engine's tensors and metadata, refusals, and exact resumption."""
import json
import os

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file
from safetensors import safe_open

from losspatterns import checkpoint
from losspatterns.config import TrainingConfig, make_config
from losspatterns.data import synthetic
from losspatterns.dist import Context
from losspatterns.files import FileError, atomic_write, safe_path
from losspatterns.net import SMALL, Layout
from losspatterns.pattern import ring
from losspatterns.trainer import State, Trainer

CTX = Context("cpu", init=False)


def small_trainer(state=None, seed=5):
    config = make_config("tiny", seed=seed, batch=16, cells=4)
    return config, Trainer(config, ring(8), synthetic(200, seed=1), CTX, precision="fp32", state=state)


def save(config, trainer, path):
    s = trainer.state()
    checkpoint.Checkpoint(config, trainer.pattern, s.parameters, s.adam_m, s.adam_v, s.step, s.rng_state).write(path)


def test_file_layout_is_the_engines(tmp_path):
    config, t = small_trainer()
    t.step_once()
    path = str(tmp_path / "a.safetensors")
    save(config, t, path)
    tensors = load_file(path)
    p = Layout(config.net).count
    assert {k: (v.dtype, v.shape) for k, v in tensors.items()} == {
        "origin": (np.float32, (p,)), "right_param": (np.float32, (p,)), "up_param": (np.float32, (p,)),
        "scale": (np.float32, (1,)), "pattern": (np.uint8, (8, 8)), "adam_m": (np.float32, (3 * p + 1,)),
        "adam_v": (np.float32, (3 * p + 1,))}
    with safe_open(path, "np") as f:
        m = f.metadata()
    for key in ("format", "format_version", "conv_channels", "dense", "batch_norm", "max_pool", "adaptive_pool", "input_shape",
                "classes", "parameters", "dataset", "preset", "batch_size", "cells", "lr", "clip", "grad_clip", "seed", "step",
                "rng_state", "pattern_name", "created", "precision", "isa", "config"):
        assert key in m, key
    assert m["format"] == "losspatterns-plane" and m["step"] == "1" and m["lr"] == "0.003" and m["batch_norm"] == "false"
    assert m["parameters"] == "0.weight:4x1x3x3;0.bias:4;3.weight:8x4x3x3;3.bias:8;8.weight:16x128;8.bias:16;10.weight:10x16;10.bias:10"
    cfg = json.loads(m["config"])
    assert set(cfg) == {"preset", "net", "batchSize", "cells", "learningRate", "clip", "gradientClip", "initialScale", "seed", "dataset", "clamp"}
    assert cfg["net"] == {"adaptivePool": 4, "batchNorm": False, "classes": 10, "convChannels": [1, 4, 8], "dense": [128, 16],
                          "inputShape": [1, 28, 28], "maxPool": True}
    assert len(m["rng_state"].split(",")) == 4


def test_resume_continues_exactly(tmp_path):
    config, straight = small_trainer()
    for _ in range(6):
        straight.step_once()
    config, first = small_trainer()
    for _ in range(3):
        first.step_once()
    path = str(tmp_path / "half.safetensors")
    save(config, first, path)
    c = checkpoint.read(path)
    _, second = small_trainer(State(c.parameters, c.adam_m, c.adam_v, c.step, c.rng_state))
    for _ in range(3):
        second.step_once()
    assert second.step == 6
    assert torch.equal(second.theta, straight.theta)
    assert torch.equal(second.adam.v, straight.adam.v) and second.rng.words == straight.rng.words


def test_refusals(tmp_path):
    config, t = small_trainer()
    s = t.state()
    bad = s.parameters.copy()
    bad[3] = np.nan
    with pytest.raises(checkpoint.CheckpointError, match="non-finite"):
        checkpoint.Checkpoint(config, t.pattern, bad, s.adam_m, s.adam_v, 0, s.rng_state).write(str(tmp_path / "x.safetensors"))
    assert not os.path.exists(tmp_path / "x.safetensors")
    good = str(tmp_path / "g.safetensors")
    save(config, t, good)
    raw = open(good, "rb").read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    header["__metadata__"]["parameters"] = "0.weight:1"
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    (tmp_path / "d.safetensors").write_bytes(len(h).to_bytes(8, "little") + h + raw[8 + n:])
    with pytest.raises(checkpoint.CheckpointError, match="parameter table"):
        checkpoint.read(str(tmp_path / "d.safetensors"))
    (tmp_path / "n.safetensors").write_bytes(b"\x05\x00\x00\x00\x00\x00\x00\x00{}")
    with pytest.raises(checkpoint.CheckpointError):
        checkpoint.read(str(tmp_path / "n.safetensors"))
    with pytest.raises(FileError):
        safe_path("../evil", "safetensors", str(tmp_path))
    os.symlink("/tmp/elsewhere", tmp_path / "link.safetensors")
    with pytest.raises(FileError, match="symbolic link"):
        atomic_write(b"x", str(tmp_path / "link.safetensors"))
