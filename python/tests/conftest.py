import os
import sys

import pytest
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.dirname(HERE)
ROOT = os.path.dirname(PYTHON_DIR)
sys.path.insert(0, PYTHON_DIR)  # the source tree, installed or not
torch.set_num_threads(2)


def shared_fixtures():
    d = os.environ.get("MPO_FIXTURE_DIR")
    if d:
        return d
    folder = ROOT
    while folder != os.path.dirname(folder):
        cand = os.path.join(os.path.dirname(folder), "shared", "fixtures")
        if os.path.isdir(cand):
            return cand
        folder = os.path.dirname(folder)
    return "/work/shared/fixtures" if os.path.isdir("/work/shared/fixtures") else None


def mpo_binary():
    env = os.environ.get("MPO_BINARY")
    if env:
        return env if os.access(env, os.X_OK) else None
    for p in (".build-py/release/mpo", ".build/release/mpo"):
        full = os.path.join(ROOT, p)
        if os.access(full, os.X_OK):
            return full
    return None


def fashion_available():
    return os.path.exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")


@pytest.fixture
def child_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = PYTHON_DIR + os.pathsep + env.get("PYTHONPATH", "")
    env["LOSSPATTERNS_HOME"] = ROOT
    env.setdefault("OMP_NUM_THREADS", "1")
    return env
