"""The companion's batched net and plane gradient against PyTorch's own modules and the golden
fixtures in shared/fixtures (PyTorch float64, the engine's parity cases)."""
import os

import numpy as np
import pytest
import torch
import torch.nn as nn
from conftest import shared_fixtures
from safetensors import safe_open

from losspatterns.config import TrainingConfig
from losspatterns.data import synthetic
from losspatterns.dist import Context
from losspatterns.net import PAPER_BN, SMALL, TINY, Layout, NetSpec, cell_losses, forward
from losspatterns.pattern import Pattern
from losspatterns.rng import Xoshiro256
from losspatterns.trainer import Adam, Trainer, clip_gradient_norm, points


def sequential(spec):
    layers = []
    for cin, cout in zip(spec.conv_channels, spec.conv_channels[1:]):
        layers.append(nn.Conv2d(cin, cout, 3, padding=1))
        if spec.batch_norm:
            layers.append(nn.BatchNorm2d(cout))
        layers.append(nn.ReLU())
        if spec.max_pool:
            layers.append(nn.MaxPool2d(2, 2))
    layers += [nn.AdaptiveAvgPool2d(spec.adaptive_pool), nn.Flatten()]
    sizes = list(spec.dense) + [spec.classes]
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers).double().train()


def per_cell_logits(spec, w, x):
    """One nn.Sequential per weight vector (BN: batch statistics, stored scale + 1)."""
    m, lay = sequential(spec), Layout(spec)
    params = {e.name: w[e.offset:e.offset + e.count].view(e.shape) + (1 if e.kind == "bnScale" else 0) for e in lay.entries}
    return torch.func.functional_call(m, params, (x,))


CIFAR_NET = NetSpec(conv_channels=(3, 4, 8), dense=(128, 16), batch_norm=True, input_shape=(3, 32, 32))


@pytest.mark.parametrize("spec", [TINY, SMALL, SMALL.with_bn(True), CIFAR_NET,
                                  NetSpec(conv_channels=(1, 4, 4), dense=(64, 8), max_pool=False, adaptive_pool=4)])
def test_batched_forward_equals_one_net_per_cell(spec):
    lay = Layout(spec)
    assert [(e.name, e.shape) for e in lay.entries] == [(n, tuple(p.shape)) for n, p in sequential(spec).named_parameters()]
    rng = Xoshiro256(3)
    w = torch.from_numpy(np.stack([lay.initial_weights(rng) for _ in range(3)])).double()
    w += 0.05 * torch.randn_like(w)
    x = torch.rand((5,) + spec.input_shape, dtype=torch.float64)
    out = forward(spec, lay, w, x)
    for k in range(3):
        torch.testing.assert_close(out[k], per_cell_logits(spec, w[k], x), rtol=1e-10, atol=1e-12)


def fixture_files(kind):
    d = shared_fixtures()
    if not d:
        pytest.skip("no shared/fixtures folder")
    out = []
    for name in sorted(os.listdir(d)):
        if name.endswith(".safetensors"):
            with safe_open(os.path.join(d, name), "np") as f:
                if f.metadata().get("kind") == kind:
                    out.append(os.path.join(d, name))
    return out


def read(path):
    with safe_open(path, "np") as f:
        return {k: f.get_tensor(k) for k in f.keys()}, f.metadata()


def test_model_fixtures():
    files = fixture_files("model")
    assert files
    for path in files:
        t, m = read(path)
        spec = NetSpec.from_metadata(m)
        lay = Layout(spec)
        assert lay.table == m["parameters"], path
        w = torch.from_numpy(t["weights"].astype(np.float64)).unsqueeze(0).requires_grad_()
        x, y = torch.from_numpy(t["input"].astype(np.float64)), torch.from_numpy(t["labels"])
        logits = forward(spec, lay, w, x)[0]
        np.testing.assert_allclose(logits.detach().numpy(), t["logits"], rtol=1e-6, atol=1e-8)
        ce, _ = cell_losses(spec, lay, w, x, y)
        ce.sum().backward()
        np.testing.assert_allclose(ce.item(), t["loss"][0], rtol=1e-7)
        g, want = w.grad[0].numpy(), t["grad_weights"]
        assert np.linalg.norm(g - want) <= 1e-6 * np.linalg.norm(want), path


def plane_case(t, m, dtype):
    spec = NetSpec.from_metadata(m)
    pattern = Pattern(t["pattern"])
    config = TrainingConfig("fixture", spec, len(t["labels"]), max(len(t["good_cells"]), len(t["bad_cells"])), 1e-3,
                            clip=float(m.get("clip", 2.5)))
    trainer = Trainer(config, pattern, synthetic(4, spec.input_shape), Context("cpu", init=False), precision="fp32")
    theta = np.concatenate([t["origin"], t["right_param"], t["up_param"], t["scale"]]).astype(np.float64)
    trainer.theta = torch.from_numpy(theta).to(dtype)
    cells = [tuple(c) for c in t["good_cells"]] + [tuple(c) for c in t["bad_cells"]]
    x = torch.from_numpy(t["input"]).to(dtype)
    return trainer, cells, x, torch.from_numpy(t["labels"])


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_mpo_fixtures(dtype):
    """The plane gradient (autograd through the Gram-Schmidt map) against the golden numbers."""
    files = fixture_files("mpo")
    assert files
    for path in files:
        t, m = read(path)
        trainer, cells, x, y = plane_case(t, m, dtype)
        g, losses, _ = trainer.gradient(cells, len(t["good_cells"]), x, y)
        g = g.double().numpy()
        p = trainer.p
        rtol = 1e-7 if dtype == torch.float64 else 1e-4
        np.testing.assert_allclose(losses[:len(t["good_cells"])], t["good_losses"], rtol=rtol)
        np.testing.assert_allclose(losses[len(t["good_cells"]):], t["bad_losses"], rtol=rtol)
        for name, part in (("grad_origin", g[:p]), ("grad_right_param", g[p:2 * p]), ("grad_up_param", g[2 * p:3 * p]),
                           ("grad_scale", g[3 * p:])):
            want = t[name]
            cos = part @ want / (np.linalg.norm(part) * np.linalg.norm(want))
            assert cos >= (1 - 1e-9 if dtype == torch.float64 else 0.99999), (path, name, cos)
            assert abs(np.linalg.norm(part) / np.linalg.norm(want) - 1) <= (1e-7 if dtype == torch.float64 else 1e-4)


def test_chunked_cells_equal_one_pass():
    spec = SMALL.with_bn(True)
    pattern = Pattern(np.pad(np.ones((4, 4)), 2))
    config = TrainingConfig("t", spec, 8, 6, 1e-3, seed=3)
    data = synthetic(40, seed=1)
    a = Trainer(config, pattern, data, Context("cpu", init=False), precision="fp32", cell_chunk=1)
    b = Trainer(config, pattern, data, Context("cpu", init=False), precision="fp32", cell_chunk=100)
    good, bad, idx = a.draw()
    ga, la, _ = a.gradient(good + bad, len(good), data.images[idx], data.labels[idx])
    gb, lb, _ = b.gradient(good + bad, len(good), data.images[idx], data.labels[idx])
    assert float((ga - gb).norm() / gb.norm()) <= 1e-5
    np.testing.assert_allclose(la, lb, rtol=1e-6)


def test_adam_and_clipping_follow_pytorch():
    torch.manual_seed(0)
    p0 = torch.randn(50)
    grads = [torch.randn(50) * 30 for _ in range(5)]
    mine, ref = p0.clone(), p0.clone().requires_grad_()
    adam = Adam(50, 1e-2, "cpu")
    opt = torch.optim.Adam([ref], lr=1e-2)
    for g in grads:
        g1 = g.clone()
        n1 = clip_gradient_norm(g1, 10.0)
        ref.grad = g.clone()
        n2 = torch.nn.utils.clip_grad_norm_([ref], 10.0)
        assert abs(n1 - float(n2)) <= 1e-4 * n1
        torch.testing.assert_close(g1, ref.grad, rtol=1e-6, atol=1e-6)
        adam.update(mine, g1)
        opt.step()
    # the engine widens float32 betas (0.8999999762) where PyTorch uses 0.9: a few 1e-7 apart
    torch.testing.assert_close(mine, ref.detach(), rtol=1e-5, atol=1e-6)


def test_bf16_autocast_stays_close_to_fp32():
    """bf16 autocast (fp32 master weights): the gradient direction holds (the engine's bf16 bound)."""
    spec = SMALL.with_bn(True)
    pattern = Pattern(np.pad(np.ones((4, 4)), 2))
    config = TrainingConfig("t", spec, 32, 6, 1e-3, seed=3)
    data = synthetic(64, seed=1)
    a = Trainer(config, pattern, data, Context("cpu", init=False), precision="fp32")
    b = Trainer(config, pattern, data, Context("cpu", init=False), precision="bf16")
    good, bad, idx = a.draw()
    ga, la, _ = a.gradient(good + bad, len(good), data.images[idx], data.labels[idx])
    gb, lb, _ = b.gradient(good + bad, len(good), data.images[idx], data.labels[idx])
    assert b.theta.dtype == torch.float32 and gb.dtype == torch.float32
    assert float(ga @ gb / (ga.norm() * gb.norm())) >= 0.99
    np.testing.assert_allclose(la, lb, rtol=5e-2)
