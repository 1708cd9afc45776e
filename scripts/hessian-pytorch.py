#!/usr/bin/env python3
"""The top eigenvalues of a model's loss Hessian the way PyHessian computes them (Yao et al. 2020,
amirgholami/PyHessian `hessian.eigenvalues`): the gradient of the mean cross-entropy on one batch
of images with create_graph=True, then power iteration with deflation, each Hessian-vector product
one double backward through that graph; its defaults maxIter 100, tol 1e-3 (relative change of
the eigenvalue between iterations).

It reads a model file `mpo fit` writes (safetensors: one tensor per parameter, named as the
equivalent nn.Sequential's, and the net in the metadata; a BatchNorm scale stored as gamma - 1,
statistics of the batch as mpo uses them) and prints the eigenvalues, the products and the wall
time of the Hessian's work (after the model and the images are loaded).

  python scripts/hessian-pytorch.py MODEL.safetensors --images 1000 --split test --top 2
"""
import argparse
import importlib.util
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.numpy import load_file

spec = importlib.util.spec_from_file_location("surface_pytorch", os.path.join(os.path.dirname(os.path.abspath(__file__)), "surface-pytorch.py"))
surface = importlib.util.module_from_spec(spec)
spec.loader.exec_module(surface)  # Net, header, load_images


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("--images", type=int, default=1000, help="first N images of the split")
    ap.add_argument("--split", default="test", choices=["test", "train"])
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--top", type=int, default=2)
    ap.add_argument("--max-iter", type=int, default=100, help="PyHessian's maxIter")
    ap.add_argument("--tol", type=float, default=1e-3, help="PyHessian's tol")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    meta = surface.header(args.model)
    if meta.get("format") != "losspatterns-model":
        sys.exit(f"{args.model}: not a model from mpo fit (format {meta.get('format')!r})")
    tensors = load_file(args.model)
    net = surface.Net(meta)
    with torch.no_grad():
        for name, p in net.named_parameters():
            p.copy_(torch.from_numpy(tensors[name.removeprefix("body.")].astype(np.float32)))
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight += 1  # stored as gamma - 1 (the paper's appendix C)
    net.train()  # BatchNorm: the batch's statistics, as mpo (no BN: train and eval agree)
    x, y = surface.load_images(args.data, args.split, args.images)
    params = [p for p in net.parameters()]

    start = time.perf_counter()
    loss = F.cross_entropy(net(x), y)
    grads = torch.autograd.grad(loss, params, create_graph=True)
    products = 0

    def hv(v):
        nonlocal products
        products += 1
        return torch.autograd.grad(grads, params, grad_outputs=v, retain_graph=True)

    def dot(a, b):
        return sum(torch.sum(u * w) for u, w in zip(a, b))

    def normalised(v):
        s = torch.sqrt(dot(v, v))
        return [u / (s + 1e-6) for u in v]

    values, vectors = [], []
    for _ in range(args.top):  # PyHessian's eigenvalues(), step by step
        value = None
        v = normalised([torch.randn_like(p) for p in params])
        for _ in range(args.max_iter):
            for u in vectors:  # orthnormal(v, eigenvectors)
                c = dot(v, u)
                v = [a - c * b for a, b in zip(v, u)]
            v = normalised(v)
            h = hv(v)
            new = dot(h, v).item()
            v = normalised(h)
            if value is not None and abs(value - new) / (abs(value) + 1e-6) < args.tol:
                break
            value = new
        values.append(value)
        vectors.append(v)
    seconds = time.perf_counter() - start
    print(f"pytorch {torch.__version__} ({args.threads} threads): eigenvalues {', '.join(f'{v:.6g}' for v in values)}; "
          f"{products} Hessian-vector products in {seconds:.2f} s ({seconds / products:.3f} s each), {len(y)} {args.split} images")
    print(f"RESULT seconds={seconds:.3f} products={products} eigenvalues={','.join(repr(v) for v in values)}")


if __name__ == "__main__":
    main()
