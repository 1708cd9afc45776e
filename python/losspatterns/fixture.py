"""Parity cases for the Swift engine: files of the fixtures' `mpo` kind (shared/fixtures/README.md)
whose expected numbers - per-cell losses, objective, gradients of origin, right_param, up_param and
scale - are computed by this companion on the same plane, cells and minibatch. The engine's
`CompanionParityTests` reads them with its Trainer and compares.

Cases: `paper` (the paper net), `paper-bn` (the BN experiment's six-BN-layer net), `paper-clipped`
and `small-bn-clipped` (the clamp c set between the bad cells' losses so that some bad cells are
past it and pass no gradient), `paper-image-clipped` (the live preset's per-image clamp, c set
among the bad cells' image losses so that some images are past it and drop out)."""
from __future__ import annotations

import os

import numpy as np
import torch
from safetensors.numpy import save as st_save

from . import __version__
from . import data as datasets
from .config import TrainingConfig
from .dist import Context
from .net import NETS, PAPER, PAPER_BN, SMALL
from .pattern import Pattern, ring
from .rng import Xoshiro256
from .trainer import Trainer

CASES = {
    # name: (net, batch, cells per side, clipped: False, "batch" or "image")
    "paper": (PAPER, 16, 6, False),
    "paper-bn": (PAPER_BN, 12, 3, False),
    "paper-clipped": (PAPER, 16, 6, "batch"),
    "small-bn-clipped": (SMALL.with_bn(True), 24, 8, "batch"),
    "paper-image-clipped": (PAPER, 16, 6, "image"),
}


_TRAIN = {}


def batch_images(n: int, seed: int, data_dir: str | None):
    """n training images drawn with the engine's generator (synthetic ones without the dataset)."""
    try:
        if data_dir not in _TRAIN:
            _TRAIN[data_dir] = datasets.load("fashion-mnist", "train", data_dir)
        train = _TRAIN[data_dir]
        rng = Xoshiro256(seed)
        idx = [rng.below(train.count) for _ in range(n)]
        return train.images[idx], train.labels[idx], "fashion-mnist"
    except (datasets.DataError, OSError):
        d = datasets.synthetic(n, seed=seed)
        return d.images, d.labels, "synthetic"


def compute_case(name: str, seed: int = 7, dtype: str = "float32", data_dir: str | None = None, scale: float = 0.25):
    net, batch, k, clipped = CASES[name]
    pattern = ring(12)
    config = TrainingConfig("fixture", net, batch, k, 1e-3, seed=seed)
    trainer = Trainer(config, pattern, datasets.synthetic(4, net.input_shape), Context("cpu", init=False), precision="fp32")
    trainer.theta[3 * trainer.p] = scale  # larger than the initial 0.1: cells far apart, losses differ
    good, bad, _ = trainer.draw()
    x, y, source = batch_images(batch, seed + 1, data_dir)
    torch_dtype = torch.float64 if dtype == "float64" else torch.float32
    plane32 = trainer.theta.clone()
    trainer.theta = plane32.to(torch_dtype)
    _, losses, _ = trainer.gradient(good + bad, len(good), x.to(torch_dtype), y)
    bl = np.sort(losses[len(good):])
    images = None
    if clipped == "image":
        # the clamp at the median of the bad cells' image losses: about half the images drop out
        config.clamp = "image"
        images = bad_image_losses(trainer, bad, x.to(torch_dtype), y)
        v = np.sort(images.ravel())
        m = len(v) // 2
        if v[m] - v[m - 1] < 1e-4:
            raise RuntimeError(f"{name}: image losses too close together to place the clamp safely")
        config.clip = float(np.float32((v[m - 1] + v[m]) / 2))
    elif clipped:
        # the clamp between two bad cells' losses near the median, at the widest gap there: some
        # bad cells are past it (no gradient), some below (full gradient)
        lo, hi = max(1, len(bl) // 4), max(2, 3 * len(bl) // 4 + 1)
        gaps = np.diff(bl)[lo - 1:hi - 1]
        i = int(np.argmax(gaps)) + lo - 1
        if gaps.max() < 1e-3:
            raise RuntimeError(f"{name}: bad cells' losses too close together to place the clamp safely")
        config.clip = float(np.float32((bl[i] + bl[i + 1]) / 2))
    else:
        # no bad cell at or past the clamp: every cell passes its gradient
        config.clip = float(max(5.0, np.ceil(bl[-1] + 1)))
    trainer.theta = plane32.to(torch_dtype)
    g, losses, _ = trainer.gradient(good + bad, len(good), x.to(torch_dtype), y)
    g = g.double().numpy()
    p = trainer.p
    gl, bll = losses[:len(good)], losses[len(good):]
    objective = gl.mean() - trainer.last_terms[len(good):].mean()
    w = plane32.numpy()
    meta = {
        "kind": "mpo", **net.metadata(), "clip": repr(float(config.clip)), "pattern_shape": f"{pattern.height},{pattern.width}",
        "objective": "mean_good CE - mean_bad clamp(CE, 0, clip)" if config.clamp == "batch"
                     else "mean_good CE - mean_bad mean_image clamp(CE_image, 0, clip)",
        "clamp": config.clamp,
        "point": "origin + scale * ((row - H//2) * up + (col - W//2) * right), up = Gram-Schmidt(up_param, right_param - origin) * |right|/|u_perp|",
        "source": f"losspatterns PyTorch companion {__version__}, torch {torch.__version__}, {dtype}, images: {source}",
        "case": name,
    }
    tensors = {
        "input": x.float().numpy().astype(np.float32), "labels": y.numpy().astype(np.int64),
        "pattern": pattern.bits.astype(np.int64),
        "good_cells": np.array(good, dtype=np.int64).reshape(-1, 2), "bad_cells": np.array(bad, dtype=np.int64).reshape(-1, 2),
        "origin": w[:p].copy(), "right_param": w[p:2 * p].copy(), "up_param": w[2 * p:3 * p].copy(), "scale": w[3 * p:].copy(),
        "good_losses": gl.astype(np.float64), "bad_losses": bll.astype(np.float64),
        "objective": np.array([objective], dtype=np.float64),
        "grad_origin": g[:p].copy(), "grad_right_param": g[p:2 * p].copy(), "grad_up_param": g[2 * p:3 * p].copy(),
        "grad_scale": g[3 * p:].copy(),
    }
    if images is not None:
        tensors["bad_image_losses"] = images.astype(np.float64)
    return tensors, meta


def bad_image_losses(trainer: Trainer, bad, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """Each bad cell's cross-entropy on each image [K_bad, N], at the trainer's plane."""
    from .net import cell_losses
    from .trainer import offsets, points
    with torch.no_grad():
        a, b = offsets(bad, trainer.pattern.height, trainer.pattern.width, trainer.device)
        w = points(trainer.theta, trainer.p, a, b)
        ce, _ = cell_losses(trainer.config.net, trainer.layout, w, x, y, per_image=True)
    return ce.double().numpy()


def write_cases(out: str, names, seed: int = 7, dtype: str = "float32", data_dir: str | None = None) -> list[str]:
    os.makedirs(out, exist_ok=True)
    paths = []
    for name in names:
        tensors, meta = compute_case(name, seed=seed, dtype=dtype, data_dir=data_dir)
        path = os.path.join(out, f"companion-{name}.safetensors")
        with open(path, "wb") as f:
            f.write(st_save(tensors, metadata=meta))
        paths.append(path)
    return paths
