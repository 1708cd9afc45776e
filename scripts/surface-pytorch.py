#!/usr/bin/env python3
"""The loss surface of a direction plane the way loss-landscape computes it (Li et al. 2018,
tomgoldstein/loss-landscape `plot_surface.py`): for each grid point set the model's weights to
w0 + a*d1 + b*d2, run the evaluation images through it in batches, record loss and accuracy.

It reads the plane file `mpo plane` writes (safetensors: origin, direction_1, direction_2 and the
net in the metadata) and evaluates the grid `mpo render` evaluates by default: 51 x 51 samples,
alpha and beta in [-r, r] (r = the file's view_radius), row i at beta = -(i - 25) * 2r/50, so the
two surfaces can be compared value by value. Writes the same CSV layout as `mpo render --out X.csv`.

  python scripts/surface-pytorch.py PLANE.safetensors --images 1000 --out surface-torch.csv
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.numpy import load_file


def header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return json.loads(f.read(n)).get("__metadata__", {})


def ints(text):
    return [int(x) for x in text.split(",")]


class Net(nn.Module):
    """conv 3x3 (padding 1) [-> BN] -> ReLU [-> max-pool 2] per block, adaptive average pool,
    flatten, ReLU MLP: parameters in the order `mpo` stores them (PyTorch named_parameters)."""

    def __init__(self, meta):
        super().__init__()
        conv, dense = ints(meta["conv_channels"]), ints(meta["dense"])
        self.bn, self.pool = meta["batch_norm"] == "true", meta["max_pool"] != "false"
        layers = []
        for cin, cout in zip(conv, conv[1:]):
            layers.append(nn.Conv2d(cin, cout, 3, padding=1))
            if self.bn:
                layers.append(nn.BatchNorm2d(cout))
            layers.append(nn.ReLU())
            if self.pool:
                layers.append(nn.MaxPool2d(2))
        layers += [nn.AdaptiveAvgPool2d(int(meta["adaptive_pool"])), nn.Flatten()]
        sizes = dense + [int(meta["classes"])]
        for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
            layers.append(nn.Linear(a, b))
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return self.body(x)


def load_images(folder, split, n):
    prefix = "t10k" if split == "test" else "train"
    with gzip.open(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz")) as f:
        raw = f.read()
    count, rows, cols = struct.unpack(">III", raw[4:16])
    x = np.frombuffer(raw, np.uint8, offset=16).reshape(count, 1, rows, cols)[:n].astype(np.float32) / 255
    with gzip.open(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz")) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)[:n].astype(np.int64)
    return torch.from_numpy(x.copy()), torch.from_numpy(y.copy())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("plane")
    ap.add_argument("--images", type=int, default=1000, help="first N images of the split")
    ap.add_argument("--split", default="test", choices=["test", "train"])
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--batch", type=int, default=128, help="images per forward pass (loss-landscape's default batch size)")
    ap.add_argument("--samples", type=int, default=51, help="grid samples per side")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--out", help="CSV of the loss (mpo render's layout); the accuracy goes beside it as *-accuracy.csv")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    meta = header(args.plane)
    if meta.get("plane_kind") not in ("random", "models", "pca"):
        sys.exit(f"{args.plane}: not a direction plane (plane_kind {meta.get('plane_kind')!r})")
    t = load_file(args.plane)
    w0, d1, d2 = (torch.from_numpy(t[k].astype(np.float32)) for k in ("origin", "direction_1", "direction_2"))
    net = Net(meta).eval()
    params = list(net.parameters())
    if sum(p.numel() for p in params) != w0.numel():
        sys.exit(f"{args.plane}: the net in its metadata has {sum(p.numel() for p in params)} parameters, origin {w0.numel()}")
    x, y = load_images(args.data, args.split, args.images)
    n = len(y)
    radius = float(meta.get("view_radius", "1"))
    k = args.samples
    step = 2 * radius / (k - 1)
    alphas = [(j - (k - 1) / 2) * step for j in range(k)]
    betas = [-(i - (k - 1) / 2) * step for i in range(k)]  # row 0 at the top: the largest beta
    loss = np.zeros((k, k))
    acc = np.zeros((k, k))
    # As mpo: a BatchNorm net uses the statistics of all the images at once (no running statistics).
    batch = n if net.bn else args.batch
    start = time.perf_counter()
    with torch.no_grad():
        for i, b in enumerate(betas):
            for j, a in enumerate(alphas):
                w = w0 + a * d1 + b * d2
                torch.nn.utils.vector_to_parameters(w, params)
                if net.bn:  # mpo stores the BN scale as gamma - 1 (the paper's appendix C)
                    for m in net.modules():
                        if isinstance(m, nn.BatchNorm2d):
                            m.weight += 1
                            m.train()
                total, correct = 0.0, 0
                for s in range(0, n, batch):
                    logits = net(x[s:s + batch])
                    total += F.cross_entropy(logits, y[s:s + batch], reduction="sum").item()
                    correct += (logits.argmax(1) == y[s:s + batch]).sum().item()
                loss[i, j], acc[i, j] = total / n, correct / n
    seconds = time.perf_counter() - start
    cell_images = k * k * n
    print(f"pytorch {torch.__version__}: {k}x{k} points x {n} images = {cell_images:.3g} cell-images in {seconds:.2f} s wall: "
          f"{cell_images / seconds:.0f} cell-images/s ({args.threads} threads, batch {batch})")
    print(f"RESULT seconds={seconds:.3f} cell_images_per_s={cell_images / seconds:.0f}")
    if args.out:
        for values, path in ((loss, args.out), (acc, args.out.replace(".csv", "") + "-accuracy.csv")):
            with open(path, "w") as f:
                f.write(f"# loss surface by scripts/surface-pytorch.py of {args.plane}, first {n} {args.split} images\n")
                f.write("beta\\alpha," + ",".join(f"{a:.6g}" for a in alphas) + "\n")
                for i, b in enumerate(betas):
                    f.write(f"{b:.6g}," + ",".join(f"{v:.6g}" for v in values[i]) + "\n")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
