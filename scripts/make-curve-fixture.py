#!/usr/bin/env python3
"""PyTorch's gradient of a curve's loss with respect to its point θ, for the parity test
(Tests/ParityTests/CurveParityTests.swift).

The curve runs between A = the trained paper net of Tests/Fixtures/torch/paper-net.safetensors
(scripts/make-torch-model.py) and B = a freshly initialised paper net (torch.manual_seed(2));
θ = (A + B) / 2 + 0.01 N(0, 1) (torch.manual_seed(3)). At t = 0.1, 0.35, 0.5, 0.8 and on the first
32 FashionMNIST test images (scaled by 1/255) it computes, in float64 from the float32 weights,

    bezier     w(t) = (1-t)^2 A + 2t(1-t) θ + t^2 B
    polychain  w(t) = (1-2t) A + 2t θ (t < 0.5),  (2-2t) θ + (2t-1) B (t >= 0.5)
    L = mean_k CE(net(w(t_k)), y)       and dL/dθ by autograd,

and writes Tests/Fixtures/torch/curve-gradient.safetensors:
    curve.b, curve.theta [P] F32 (engine order = named_parameters() order; A is paper-net's)
    t [4] F64; loss.bezier, loss.polychain [1] F64; grad.bezier, grad.polychain [P] BF16
    (bfloat16 keeps the fixture small; it moves the cosine by about 1e-6)
    metadata: net, images, parameters, torch

Usage: /work/main/.venv/bin/python scripts/make-curve-fixture.py [DATA_DIR]
"""
import importlib.util, os, sys

import torch, torch.nn.functional as F
from safetensors.torch import load_file, save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location("make_torch_model", os.path.join(ROOT, "scripts", "make-torch-model.py"))
tm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tm)  # PaperNet, images(); its main() does not run

OUT = os.path.join(ROOT, "Tests", "Fixtures", "torch")
TS, IMAGES = [0.1, 0.35, 0.5, 0.8], 32


def flat(model):
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


def loss_along(model, kind, a, b, theta, x, y):
    total = 0
    for t in TS:
        if kind == "bezier":
            w = (1 - t) ** 2 * a + 2 * t * (1 - t) * theta + t ** 2 * b
        else:
            w = (1 - 2 * t) * a + 2 * t * theta if t < 0.5 else (2 - 2 * t) * theta + (2 * t - 1) * b
        params, i = {}, 0
        for n, p in model.named_parameters():
            params[n] = w[i:i + p.numel()].view_as(p)
            i += p.numel()
        total = total + F.cross_entropy(torch.func.functional_call(model, params, (x,)), y)
    return total / len(TS)


def main():
    if len(sys.argv) > 1:
        tm.DATA = sys.argv[1]
    torch.set_num_threads(2)
    model = tm.PaperNet()
    model.load_state_dict(load_file(os.path.join(OUT, "paper-net.safetensors")))
    a = flat(model)
    torch.manual_seed(2)
    b = flat(tm.PaperNet())
    torch.manual_seed(3)
    theta = ((a + b) / 2 + 0.01 * torch.randn(a.shape)).float()
    x = tm.images("t10k-images-idx3-ubyte.gz")[:IMAGES].double()
    y = torch.from_numpy(tm.idx("t10k-labels-idx1-ubyte.gz")[:IMAGES].astype("int64"))
    model = model.double()
    tensors = {"curve.b": b.contiguous(), "curve.theta": theta.contiguous(), "t": torch.tensor(TS, dtype=torch.float64)}
    for kind in ["bezier", "polychain"]:
        th = theta.double().requires_grad_(True)
        loss = loss_along(model, kind, a.double(), b.double(), th, x, y)
        loss.backward()
        tensors[f"loss.{kind}"] = loss.detach().reshape(1)
        tensors[f"grad.{kind}"] = th.grad.to(torch.bfloat16).contiguous()
        print(f"{kind}: loss {loss.item():.6f}, |grad| {th.grad.norm().item():.6g}")
    path = os.path.join(OUT, "curve-gradient.safetensors")
    save_file(tensors, path, metadata={"net": "conv 8,32,64 pool; dense 128", "images": str(IMAGES),
                                       "parameters": str(a.numel()), "torch": torch.__version__})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
