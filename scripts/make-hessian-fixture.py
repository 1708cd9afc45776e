#!/usr/bin/env python3
"""PyTorch's Hessian of the loss for the curvature parity test (Tests/ParityTests/HessianParityTests.swift).

For two PyTorch-trained nets of Tests/Fixtures/torch (scripts/make-torch-model.py) — the paper net
(paper-net) and a small BatchNorm net (bn-net, in train mode: batch statistics over the whole set,
as the engine's BatchNorm computes them) — and the first 256 FashionMNIST test images (scaled by
1/255), in float64 from the float32 weights, with L = mean cross-entropy:

    Hv by double backward: v -> d/dw <dL/dw, v>   (torch.autograd.grad with create_graph=True)
    top 2 eigenvalues      Lanczos with full reorthogonalisation (40 steps), cross-checked by power
                           iteration with deflation (PyHessian's method) to 1e-9 relative change
    one Rademacher probe z (torch.manual_seed(5)): H z and z^T H z (one term of Hutchinson's trace)

and writes Tests/Fixtures/torch/hessian.safetensors:
    NAME.eigenvalues [2] F64; NAME.probe [P] BF16 (+-1, exact); NAME.hessian_probe [P] BF16 (H z,
    bfloat16 to keep the file small: the test compares its direction and length); NAME.probe_quadratic
    [1] F64 (z^T H z); NAME.power_eigenvalues [2] F64 — for NAME in paper, bn
    metadata: paper.net, bn.net (as --net takes them), images, torch

Usage: /work/main/.venv/bin/python scripts/make-hessian-fixture.py [DATA_DIR]
"""
import importlib.util, os, sys

import torch, torch.nn.functional as F
from safetensors.torch import load_file, save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location("make_torch_model", os.path.join(ROOT, "scripts", "make-torch-model.py"))
tm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tm)  # PaperNet, BNNet, images(); its main() does not run

OUT = os.path.join(ROOT, "Tests", "Fixtures", "torch")
IMAGES, LANCZOS_STEPS = 256, 40
NETS = [("paper", tm.PaperNet, "conv 8,32,64 pool; dense 128"), ("bn", tm.BNNet, "conv 4,4,8,8 bn pool; dense 16")]


def hessian_operator(model, x, y):
    """v -> H v of the mean cross-entropy at the model's weights (float64), by double backward."""
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for _, p in model.named_parameters()]
    w = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).double().requires_grad_(True)

    def unflat(w):
        out, i = {}, 0
        for n, s in zip(names, shapes):
            out[n] = w[i:i + s.numel()].view(s)
            i += s.numel()
        return out

    loss = F.cross_entropy(torch.func.functional_call(model, unflat(w), (x,)), y)
    g = torch.autograd.grad(loss, w, create_graph=True)[0]
    return (lambda v: torch.autograd.grad(g, w, v, retain_graph=True)[0]), w.numel()


def lanczos_top2(hv, p, steps):
    """Ritz values of `steps` Lanczos steps with full reorthogonalisation (twice), largest first."""
    q = torch.randn(p, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    q /= q.norm()
    basis, alpha, beta = [], [], []
    for _ in range(steps):
        w = hv(q)
        basis.append(q)
        alpha.append(torch.dot(q, w).item())
        for _ in range(2):
            for b in basis:
                w = w - torch.dot(b, w) * b
        beta.append(w.norm().item())
        q = w / beta[-1]
    a, b = torch.tensor(alpha, dtype=torch.float64), torch.tensor(beta[:-1], dtype=torch.float64)
    t = torch.diag(a) + torch.diag(b, 1) + torch.diag(b, -1)
    values, vectors = torch.linalg.eigh(t)
    residuals = [beta[-1] * abs(vectors[-1, i].item()) for i in (-1, -2)]
    return [values[-1].item(), values[-2].item()], residuals


def power_top2(hv, p, tol=1e-9, iterations=1000):
    """PyHessian's power iteration with deflation."""
    found, values = [], []
    for k in range(2):
        v = torch.randn(p, dtype=torch.float64, generator=torch.Generator().manual_seed(10 + k))
        value = None
        for _ in range(iterations):
            for u in found:
                v = v - torch.dot(u, v) * u
            v = v / v.norm()
            w = hv(v)
            new = torch.dot(v, w).item()
            if value is not None and abs(new - value) < tol * abs(new):
                value = new
                break
            value, v = new, w
        found.append(v / v.norm())
        values.append(value)
    return values


def main():
    if len(sys.argv) > 1:
        tm.DATA = sys.argv[1]
    torch.set_num_threads(2)
    x = tm.images("t10k-images-idx3-ubyte.gz")[:IMAGES].double()
    y = torch.from_numpy(tm.idx("t10k-labels-idx1-ubyte.gz")[:IMAGES].astype("int64"))
    tensors, meta = {}, {"images": str(IMAGES), "torch": torch.__version__}
    for name, cls, net in NETS:
        model = cls()
        model.load_state_dict(load_file(os.path.join(OUT, f"{name}-net.safetensors")))
        model = model.double().train()  # BatchNorm: the batch's statistics (nothing here reads the running ones)
        hv, p = hessian_operator(model, x, y)
        values, residuals = lanczos_top2(hv, p, LANCZOS_STEPS)
        power = power_top2(hv, p)
        z = (torch.randint(0, 2, (p,), generator=torch.Generator().manual_seed(5)) * 2 - 1).double()
        hz = hv(z)
        print(f"{name}: P = {p}, Lanczos top 2 {values} (residuals {residuals}), power iteration {power}, z^T H z {torch.dot(z, hz).item():.6g}")
        tensors[f"{name}.eigenvalues"] = torch.tensor(values, dtype=torch.float64)
        tensors[f"{name}.power_eigenvalues"] = torch.tensor(power, dtype=torch.float64)
        tensors[f"{name}.probe"] = z.to(torch.bfloat16).contiguous()
        tensors[f"{name}.hessian_probe"] = hz.to(torch.bfloat16).contiguous()
        tensors[f"{name}.probe_quadratic"] = torch.dot(z, hz).reshape(1)
        meta[f"{name}.net"] = net
    path = os.path.join(OUT, "hessian.safetensors")
    save_file(tensors, path, metadata=meta)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
