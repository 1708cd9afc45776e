#!/usr/bin/env python3
"""Writes extra PyTorch parity fixtures (float64) in the format of ../shared/fixtures/README.md.

Development tool only — the project never depends on PyTorch. Usage:
    ~/torchenv/bin/python scripts/make_fixtures.py OUTDIR
    MPO_FIXTURE_DIR=OUTDIR make test
"""
import os, sys
import torch, torch.nn as nn, torch.nn.functional as F
from safetensors.torch import save_file

torch.set_default_dtype(torch.float64)


class RepBN(nn.BatchNorm2d):
    def reset_parameters(self):
        super().reset_parameters(); nn.init.zeros_(self.weight)
    def forward(self, x):
        return F.batch_norm(x, None, None, self.weight + 1.0, self.bias, True, 0.0, self.eps)


def build(conv, dense, bn, maxpool, pool, classes=10):
    layers = []
    for cin, cout in zip(conv[:-1], conv[1:]):
        layers.append(nn.Conv2d(cin, cout, 3, padding=1))
        if bn: layers.append(RepBN(cout))
        layers.append(nn.ReLU())
        if maxpool: layers.append(nn.MaxPool2d(2, 2))
    layers += [nn.AdaptiveAvgPool2d(pool), nn.Flatten()]
    for a, b in zip(dense[:-1], dense[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    layers.append(nn.Linear(dense[-1], classes))
    return nn.Sequential(*layers)


def meta(kind, conv, dense, bn, maxpool, pool, shape, model, seed):
    return {"kind": kind, "conv_channels": ",".join(map(str, conv)), "dense": ",".join(map(str, dense)),
            "batch_norm": str(bn).lower(), "max_pool": str(maxpool).lower(), "adaptive_pool": str(pool),
            "input_shape": ",".join(map(str, shape)), "classes": "10", "seed": str(seed),
            "parameters": ";".join(f"{n}:{'x'.join(map(str, p.shape))}" for n, p in model.named_parameters())}


def flat(model):
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


def forward_flat(model, w, x):
    params, i = {}, 0
    for n, p in model.named_parameters():
        params[n] = w[i:i + p.numel()].view_as(p); i += p.numel()
    return torch.func.functional_call(model, params, (x,))


def model_case(out, name, conv, dense, bn, maxpool, pool, shape, n, seed):
    torch.manual_seed(seed)
    model = build(conv, dense, bn, maxpool, pool)
    w = flat(model).float().double().requires_grad_(True)
    x = torch.randn(n, *shape).float().double()
    y = torch.randint(0, 10, (n,))
    logits = forward_flat(model, w, x)
    loss = F.cross_entropy(logits, y)
    loss.backward()
    save_file({"input": x.float(), "labels": y, "weights": w.detach().float(), "logits": logits.detach(),
               "loss": loss.detach().reshape(1), "grad_weights": w.grad.detach()},
              os.path.join(out, name), metadata=meta("model", conv, dense, bn, maxpool, pool, shape, model, seed))


def mpo_case(out, name, conv, dense, bn, maxpool, pool, shape, n, seed, ph, pw, k, clip, scale=0.1, spread=1.0):
    torch.manual_seed(seed)
    model = build(conv, dense, bn, maxpool, pool)
    o = flat(build(conv, dense, bn, maxpool, pool)).float().double().requires_grad_(True)
    r = (flat(build(conv, dense, bn, maxpool, pool)) * spread).float().double().requires_grad_(True)
    u = (flat(build(conv, dense, bn, maxpool, pool)) * spread).float().double().requires_grad_(True)
    s = torch.tensor([scale]).float().double().requires_grad_(True)
    x = torch.randn(n, *shape).float().double(); y = torch.randint(0, 10, (n,))
    pattern = (torch.rand(ph, pw) < 0.5).long()
    cells = [(i, j) for i in range(ph) for j in range(pw)]
    perm = torch.randperm(len(cells))
    good = [cells[i] for i in perm[:k]]; bad = [cells[i] for i in perm[k:2 * k]]
    right = r - o
    up_raw = u - right * (torch.dot(u, right) / torch.dot(right, right))
    up = up_raw * right.norm() / up_raw.norm()
    def point(i, j):
        return o + s[0] * ((i - ph // 2) * up + (j - pw // 2) * right)
    gl = torch.stack([F.cross_entropy(forward_flat(model, point(i, j), x), y) for i, j in good])
    bl = torch.stack([F.cross_entropy(forward_flat(model, point(i, j), x), y) for i, j in bad])
    obj = gl.mean() - bl.clamp(0, clip).mean()
    obj.backward()
    m = meta("mpo", conv, dense, bn, maxpool, pool, shape, model, seed)
    m.update({"clip": str(clip), "pattern_shape": f"{ph},{pw}", "objective": "mean_good_ce - mean_bad_clamp(ce,0,clip)",
              "point": "origin + scale*((row - H//2)*up + (col - W//2)*right)"})
    save_file({"input": x.float(), "labels": y, "pattern": pattern, "good_cells": torch.tensor(good),
               "bad_cells": torch.tensor(bad), "origin": o.detach().float(), "right_param": r.detach().float(),
               "up_param": u.detach().float(), "scale": s.detach().float(), "good_losses": gl.detach(),
               "bad_losses": bl.detach(), "objective": obj.detach().reshape(1), "grad_origin": o.grad,
               "grad_right_param": r.grad, "grad_up_param": u.grad, "grad_scale": s.grad}, os.path.join(out, name), metadata=m)
    print(name, "bad losses", [round(v, 3) for v in bl.tolist()], "clip", clip)


if __name__ == "__main__":
    out = sys.argv[1]; os.makedirs(out, exist_ok=True)
    model_case(out, "model-cifar.safetensors", (3, 4, 6), (96, 12), False, True, 4, (3, 32, 32), 5, 11)
    model_case(out, "model-cifar-bn.safetensors", (3, 4, 6), (96,), True, True, 4, (3, 32, 32), 4, 12)
    model_case(out, "model-bn-nopool.safetensors", (1, 3, 4, 5), (45, 8), True, False, 3, (1, 9, 11), 3, 13)
    model_case(out, "model-odd.safetensors", (1, 4, 4, 6), (150, 7), False, True, 5, (1, 23, 19), 4, 14)
    model_case(out, "model-paper.safetensors", (1, 8, 32, 64), (1024, 128), False, True, 4, (1, 28, 28), 3, 15)
    model_case(out, "model-paper-bn.safetensors", (1, 8, 8, 32, 32, 64, 64), (1024, 128), True, False, 4, (1, 28, 28), 2, 16)
    mpo_case(out, "mpo-clipped.safetensors", (1, 4, 8), (128, 16), False, True, 4, (1, 28, 28), 4, 21, 6, 7, 3, 2.3, scale=1.0, spread=1.5)
    mpo_case(out, "mpo-cifar-bn.safetensors", (3, 4, 6), (96, 12), True, True, 4, (3, 32, 32), 3, 22, 4, 5, 2, 2.5)
    mpo_case(out, "mpo-unbalanced.safetensors", (1, 3, 5), (80, 12), False, False, 4, (1, 14, 14), 5, 23, 8, 9, 4, 2.5, scale=0.5)
