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


def png_pixels(path):
    """RGB(A) pixels of a non-interlaced 8-bit PNG (any filter), for comparing pictures."""
    import struct
    import zlib
    d = open(path, "rb").read()
    i, idat = 8, b""
    while i < len(d):
        n = struct.unpack(">I", d[i:i + 4])[0]
        kind = d[i + 4:i + 8]
        if kind == b"IHDR":
            w, h, _, ct = struct.unpack(">IIBB", d[i + 8:i + 18])
        elif kind == b"IDAT":
            idat += d[i + 8:i + 8 + n]
        i += 12 + n
    raw, ch = zlib.decompress(idat), (3 if ct == 2 else 4)
    stride, prev, rows = w * ch + 1, bytearray(w * ch), []
    for r in range(h):
        f, line = raw[r * stride], bytearray(raw[r * stride + 1:(r + 1) * stride])
        for x in range(len(line)):
            a, b, c = (line[x - ch] if x >= ch else 0), prev[x], (prev[x - ch] if x >= ch else 0)
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return np.frombuffer(b"".join(rows), np.uint8).reshape(h, w, ch)[:, :, :3]


def test_experiment_folders_are_shared(tmp_path, child_env):
    import shutil
    grid = ["--steps", "2", "--seeds", "1", "--p-from", "0.5", "--p-to", "0.5", "--eval-images", "10", "--batch", "16",
            "--cells", "4", "--workers", "1"]
    swift, ours = str(tmp_path / "swift"), str(tmp_path / "ours")
    mpo("experiment", "bn", *grid, "--precision", "fp32", "--output", swift, env=child_env)
    shutil.copytree(swift, ours)
    out = companion("experiment", "bn", *grid, "--device", "cpu", "--output", ours, env=child_env)
    assert "2 run(s) already finished, 0 to go" in out
    for name in ("settings.json", "table.md", "runs.csv"):
        assert open(os.path.join(swift, name)).read() == open(os.path.join(ours, name)).read(), name
    assert np.array_equal(png_pixels(os.path.join(swift, "figure.png")), png_pixels(os.path.join(ours, "figure.png")))
    # the same runs computed by the companion: same masks and draws, so the same losses to rounding
    fresh = str(tmp_path / "fresh")
    companion("experiment", "bn", *grid, "--device", "cpu", "--output", fresh, env=child_env)
    a = [l.split(",") for l in open(os.path.join(swift, "runs.csv")).read().splitlines()[1:]]
    b = [l.split(",") for l in open(os.path.join(fresh, "runs.csv")).read().splitlines()[1:]]
    assert [r[:4] + r[9:11] for r in a] == [r[:4] + r[9:11] for r in b]
    for ra, rb in zip(a, b):
        np.testing.assert_allclose([float(v) for v in rb[7:9]], [float(v) for v in ra[7:9]], rtol=1e-3)
    # and mpo continues the companion's folder: one more seed
    mpo("experiment", "bn", *grid[:2], "--seeds", "2", *grid[4:], "--precision", "fp32", "--output", fresh, env=child_env)
    assert len(open(os.path.join(fresh, "runs.csv")).read().splitlines()) == 5
