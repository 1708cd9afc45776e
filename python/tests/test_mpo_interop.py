"""Against the Swift engine itself (`mpo`, built: $MPO_BINARY, .build-py/release/mpo or
.build/release/mpo; skipped without it): the same seed starts the same plane and draws the same
cells and minibatches; planes go both ways (mpo render, mpo train --resume, companion --resume)."""
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, fashion_available, mpo_binary

from losspatterns import checkpoint

MPO = mpo_binary()
pytestmark = [pytest.mark.skipif(MPO is None, reason="no mpo binary (swift build -c release --product mpo)"),
              pytest.mark.skipif(not fashion_available(), reason="needs FashionMNIST (Debian's dataset-fashion-mnist)")]
COMMON = ["--preset", "tiny", "--seed", "4", "--preview-every", "0", "--eval-images", "20"]


def mpo(*args, env):
    r = subprocess.run([MPO, *args], env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, f"mpo {' '.join(args)}:\n{r.stdout[-2000:]}{r.stderr[-2000:]}"
    return r.stdout


def companion(*args, env):
    r = subprocess.run([sys.executable, "-m", "losspatterns", *args], env=env, capture_output=True, text=True,
                       timeout=300, cwd=ROOT)
    assert r.returncode == 0, f"companion {' '.join(args)}:\n{r.stdout[-2000:]}{r.stderr[-2000:]}"
    return r.stdout


def cosine(a, b):
    a, b = a.astype(np.float64), b.astype(np.float64)
    return a @ b / (np.linalg.norm(a) * np.linalg.norm(b))


def test_same_seed_same_start_same_first_step(tmp_path, child_env):
    # lr 1e-30: the plane does not move, Adam's first moment is 0.1 x the first step's gradient
    s, c = str(tmp_path / "s.safetensors"), str(tmp_path / "c.safetensors")
    mpo("train", "ring", *COMMON, "--steps", "1", "--lr", "1e-30", "--precision", "fp32", "--workers", "1", "--save", s, env=child_env)
    companion("train", "ring", *COMMON, "--steps", "1", "--lr", "1e-30", "--save", c, env=child_env)
    a, b = checkpoint.read(s), checkpoint.read(c)
    assert a.rng_state == b.rng_state, "the same cells and minibatch were drawn"
    assert np.array_equal(a.parameters, b.parameters), "the same initial plane"
    assert cosine(a.adam_m, b.adam_m) >= 0.9999
    assert abs(np.linalg.norm(b.adam_m) / np.linalg.norm(a.adam_m) - 1) <= 1e-4


def test_same_seed_same_training(tmp_path, child_env):
    s, c, z = (str(tmp_path / f"{n}.safetensors") for n in "scz")
    mpo("train", "ring", *COMMON, "--steps", "1", "--lr", "1e-30", "--precision", "fp32", "--workers", "1", "--save", z, env=child_env)
    mpo("train", "ring", *COMMON, "--steps", "8", "--precision", "fp32", "--save", s, env=child_env)
    companion("train", "ring", *COMMON, "--steps", "8", "--save", c, env=child_env)
    start, a, b = checkpoint.read(z), checkpoint.read(s), checkpoint.read(c)
    assert a.rng_state == b.rng_state and a.step == b.step == 8
    # Adam moves every weight by about lr a step whatever its gradient's size, so compare the moves
    assert cosine(a.parameters - start.parameters, b.parameters - start.parameters) >= 0.999


def test_planes_go_both_ways(tmp_path, child_env):
    c1, s2, c3 = (str(tmp_path / f"{n}.safetensors") for n in ("c1", "s2", "c3"))
    companion("train", "ring", *COMMON, "--steps", "3", "--save", c1, env=child_env)
    png = str(tmp_path / "c1.png")
    mpo("render", c1, "--out", png, env=child_env)
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    out = mpo("train", "--resume", c1, "--steps", "2", "--preview-every", "0", "--eval-images", "20", "--save", s2, env=child_env)
    assert checkpoint.read(s2).step == 5, out
    companion("train", "--resume", s2, "--steps", "2", "--preview-every", "0", "--eval-images", "20", "--save", c3, env=child_env)
    assert checkpoint.read(c3).step == 7
    mpo("render", c3, "--out", str(tmp_path / "c3.csv"), env=child_env)
