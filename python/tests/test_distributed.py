"""torchrun with 2 CPU processes (gloo on loopback): each step's cells split over the processes,
the plane gradient all-reduced; the plane equals the one-process run within float tolerance. And
the BN experiment's runs spread over 2 processes."""
import os
import shutil
import socket
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, fashion_available

from losspatterns import checkpoint

pytestmark = pytest.mark.skipif(not fashion_available(), reason="needs FashionMNIST (Debian's dataset-fashion-mnist)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun(n, args, env, timeout=300):
    runner = os.path.join(os.path.dirname(sys.executable), "torchrun")
    cmd = ([runner] if os.path.exists(runner) else [sys.executable, "-m", "torch.distributed.run"])
    cmd += [f"--nproc-per-node={n}", "--master-addr=127.0.0.1", f"--master-port={free_port()}", "-m", "losspatterns", *args]
    env = dict(env, GLOO_SOCKET_IFNAME="lo", OMP_NUM_THREADS="1")
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return r.stdout


TRAIN = ["train", "ring", "--preset", "tiny", "--cells", "5", "--batch", "32", "--steps", "4", "--seed", "3",
         "--preview-every", "0", "--eval-images", "20", "--device", "cpu", "--workers", "1"]


def test_two_processes_equal_one(tmp_path, child_env):
    one, two = str(tmp_path / "one.safetensors"), str(tmp_path / "two.safetensors")
    r = subprocess.run([sys.executable, "-m", "losspatterns", *TRAIN, "--save", one], env=child_env, capture_output=True,
                       text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    out = torchrun(2, [*TRAIN, "--save", two], child_env)
    assert "2 process(es), cells split over them" in out
    a, b = checkpoint.read(one), checkpoint.read(two)
    assert a.step == b.step == 4 and a.rng_state == b.rng_state
    moved_a, moved_b = a.parameters - a.parameters[0] * 0, b.parameters
    np.testing.assert_allclose(b.parameters, a.parameters, rtol=0, atol=2e-5)
    m1, m2 = a.adam_m.astype(np.float64), b.adam_m.astype(np.float64)
    assert m1 @ m2 / (np.linalg.norm(m1) * np.linalg.norm(m2)) > 0.99999
    assert abs(np.linalg.norm(m2) / np.linalg.norm(m1) - 1) < 1e-4


def test_experiment_runs_spread_over_two_processes(tmp_path, child_env):
    out = tmp_path / "bn"
    text = torchrun(2, ["experiment", "bn", "--output", str(out), "--steps", "2", "--seeds", "1", "--p-from", "0.3",
                        "--p-to", "0.5", "--p-step", "0.2", "--batch", "8", "--cells", "2", "--eval-images", "20",
                        "--workers", "1", "--device", "cpu"], child_env)
    lines = open(out / "runs.csv").read().splitlines()
    assert len(lines) == 5 and len(set(l.split(",")[0] + l.split(",")[1] for l in lines[1:])) == 4
    assert "(rank 0)" in text or "(rank 1)" in text
    assert "4 of 4 runs finished" in open(out / "table.md").read()
