"""net.py against the engine's own layer plan (`mpo info --net NET --plan`, the modules each layer
file declares): the parameter layout (names, shapes, offsets, initialisation, what is stored
against PyTorch's value), the FLOPs, and the batched forward pass against an nn.Sequential built
from the plan's torch.nn modules. A layer type added to the engine without its mirror here fails.
Needs the binary ($MPO_BINARY, .build-py/release/mpo or .build/release/mpo); no data."""
import json
import subprocess

import numpy as np
import pytest
import torch
from conftest import ROOT, mpo_binary

from losspatterns.net import EXPERIMENT_NETS, Layout, NetSpec, forward
from losspatterns.rng import Xoshiro256

MPO = mpo_binary()
pytestmark = pytest.mark.skipif(MPO is None, reason="no mpo binary (swift build -c release --product mpo)")

SPECS = list(EXPERIMENT_NETS.values()) + [
    NetSpec(conv_channels=(1, 4, 6), dense=(54, 9), batch_norm=True, adaptive_pool=3),
    NetSpec(conv_channels=(1, 3, 5, 7), dense=(28, 8), max_pool=False, adaptive_pool=2, classes=5),
    NetSpec(conv_channels=(3, 4, 8), dense=(128, 16), batch_norm=True, input_shape=(3, 32, 32)),
    NetSpec(conv_channels=(2, 3), dense=(27, 5), adaptive_pool=3, classes=4, input_shape=(2, 9, 7)),
    NetSpec(conv_channels=(1, 5), dense=(5,), batch_norm=True, max_pool=False, adaptive_pool=1),
]


def plan(spec: NetSpec) -> dict:
    r = subprocess.run([MPO, "info", "--net", spec.text, "--plan"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def sequential(p: dict) -> torch.nn.Sequential:
    """The plan's modules as PyTorch builds them."""
    return torch.nn.Sequential(*(getattr(torch.nn, m["torch"]["type"])(*m["torch"]["arguments"], **m["torch"]["options"])
                                 for m in p["modules"])).double().train()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.text)
def test_net_py_is_the_plan(spec):
    p = plan(spec)
    assert NetSpec.from_json(p["spec"]) == spec
    assert p["net"] == spec.text
    lay = Layout(spec)
    params = [q for m in p["modules"] for q in m["parameters"]]
    assert lay.count == p["parameterCount"]
    assert [(e.name, list(e.shape), e.offset) for e in lay.entries] == [(q["name"], q["shape"], q["offset"]) for q in params]
    # How each starts: net.py's kinds against the layer files' declarations.
    for e, q in zip(lay.entries, params):
        zeros = e.kind in ("bnScale", "bnShift")
        assert q["initialization"] == ("zeros" if zeros else "uniform"), e.name
        assert q.get("fanIn") == (None if zeros else e.fan_in), e.name
        assert q["torchOffset"] == (1 if e.kind == "bnScale" else 0), e.name
    assert spec.forward_flops() == p["forwardFlops"]
    assert spec.training_flops() == p["trainingFlops"]
    assert sum(m["forwardFlops"] for m in p["modules"]) == p["forwardFlops"]

    # PyTorch names the plan's modules' parameters as the plan does, with its shapes.
    seq = sequential(p)
    assert [(n, list(t.shape)) for n, t in seq.named_parameters()] == [(q["name"], q["shape"]) for q in params]
    # The shapes the plan gives each module are PyTorch's.
    x = torch.rand((2,) + spec.input_shape, dtype=torch.float64)
    h = x
    for m, module in zip(p["modules"], seq):
        assert list(h.shape[1:]) == m["input"], m["index"]
        h = module(h)
        assert list(h.shape[1:]) == m["output"], m["index"]

    # net.py's batched forward is the plan's nn.Sequential, stored values read as PyTorch's.
    rng = Xoshiro256(11)
    w = torch.from_numpy(np.stack([lay.initial_weights(rng) for _ in range(2)])).double()
    w += 0.05 * torch.randn_like(w)
    x = torch.rand((3,) + spec.input_shape, dtype=torch.float64)
    out = forward(spec, lay, w, x)
    for k in range(2):
        values = {q["name"]: w[k, q["offset"]:q["offset"] + int(np.prod(q["shape"]))].view(q["shape"]) + q["torchOffset"]
                  for q in params}
        torch.testing.assert_close(out[k], torch.func.functional_call(seq, values, (x,)), rtol=1e-10, atol=1e-12)

