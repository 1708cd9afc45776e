#!/usr/bin/env python3
"""PyTorch fixture for BatchNorm's statistics modes (Tests/ParityTests/BNStatsParityTests.swift).

A BatchNorm net written as PyTorch users write one (modules `features.conv1`, `features.bn1`,
..., `head.fc2`), trained STEPS Adam steps in train mode, so that its running_mean/running_var
(momentum 0.1) are far from their reset values and from any one batch's. Writes:
  Tests/Fixtures/torch/bn-stats.safetensors   safetensors.torch.save_file(model.state_dict()),
                                              buffers included, metadata {"net": ...}
  Tests/Fixtures/torch/bn-stats.json          on the first 1,000 FashionMNIST test images, float64:
      eval      model.eval(): the running statistics (what `--bn-stats running` must give)
      train     train mode, the 1,000 images as one batch (`--bn-stats batch`)
      recompute for N in RECOMPUTE: statistics recomputed on the first N training images in
                batches of 128, then eval mode (`--bn-stats recompute --bn-images N`):
                N = 2048 with torch.optim.swa_utils.update_bn (momentum None: the cumulative
                average, each batch weighted alike; 16 full batches), N = 1000 with
                dnn-mode-connectivity's update_bn (momentum b/(n+b): each batch weighted by its
                images; 7 full batches and one of 104). The statistics themselves are saved too:
  Tests/Fixtures/torch/bn-stats-recomputed.safetensors   "N.<bn>.running_mean" / "N.<bn>.running_var"
Images are read from the IDX .gz files and scaled by 1/255, as the engine reads them.

Usage: /work/main/.venv/bin/python scripts/make-bn-stats-fixture.py [DATA_DIR]
"""
import gzip, json, os, sys
from collections import OrderedDict

import numpy as np
import torch, torch.nn as nn, torch.nn.functional as F
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "torch")
DATA = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
NET = "conv 6,8,8 bn pool; dense 16"
STEPS, BATCH, LR, SEED, TEST_IMAGES, RECOMPUTE_BATCH = 300, 128, 1e-3, 3, 1000, 128
RECOMPUTE = {2048: "torch.optim.swa_utils.update_bn", 1000: "dnn-mode-connectivity update_bn"}


def idx(name):
    with gzip.open(os.path.join(DATA, name)) as f:
        raw = f.read()
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * rank).reshape(dims)


def images(name):
    x = idx(name).astype(np.float32) / 255
    return torch.from_numpy(x[:, None].copy())  # [N, 1, 28, 28]


class Net(nn.Module):
    """conv 1-6-8-8, each with BatchNorm, ReLU and 2x2 max-pool (28 -> 3); pool 4x4; MLP 128-16-10."""
    def __init__(self):
        super().__init__()
        layers = OrderedDict()
        for i, (cin, cout) in enumerate([(1, 6), (6, 8), (8, 8)], 1):
            layers[f"conv{i}"] = nn.Conv2d(cin, cout, 3, padding=1)
            layers[f"bn{i}"] = nn.BatchNorm2d(cout)
            layers[f"relu{i}"] = nn.ReLU()
            layers[f"pool{i}"] = nn.MaxPool2d(2)
        self.features = nn.Sequential(layers)
        self.pool = nn.AdaptiveAvgPool2d(4)
        self.head = nn.Sequential(OrderedDict(fc1=nn.Linear(128, 16), relu=nn.ReLU(), fc2=nn.Linear(16, 10)))

    def forward(self, x):
        return self.head(torch.flatten(self.pool(self.features(x)), 1))


def copy(model):
    m = Net()
    m.load_state_dict(model.state_dict())
    return m.double()


def score(m, x, y):
    with torch.no_grad():
        logits = m(x.double())
    return F.cross_entropy(logits, y).item(), (logits.argmax(1) == y).double().mean().item()


def mode_connectivity_update_bn(model, x):
    """dnn-mode-connectivity's utils.update_bn: reset, then momentum b/(n+b) per batch."""
    model.train()
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in norms:
        m.reset_running_stats()
    seen = 0
    with torch.no_grad():
        for start in range(0, len(x), RECOMPUTE_BATCH):
            batch = x[start:start + RECOMPUTE_BATCH].double()
            for m in norms:
                m.momentum = len(batch) / (seen + len(batch))
            model(batch)
            seen += len(batch)


def swa_update_bn(model, x):
    loader = torch.utils.data.DataLoader(x.double(), batch_size=RECOMPUTE_BATCH, shuffle=False)
    torch.optim.swa_utils.update_bn(loader, model)


def main():
    torch.set_num_threads(2)
    x_train = images("train-images-idx3-ubyte.gz")
    y_train = torch.from_numpy(idx("train-labels-idx1-ubyte.gz").astype(np.int64))
    x_test = images("t10k-images-idx3-ubyte.gz")[:TEST_IMAGES]
    y_test = torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz")[:TEST_IMAGES].astype(np.int64))
    torch.manual_seed(SEED)
    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    g = torch.Generator().manual_seed(SEED)
    model.train()
    for _ in range(STEPS):
        i = torch.randint(0, len(y_train), (BATCH,), generator=g)
        loss = F.cross_entropy(model(x_train[i]), y_train[i])
        opt.zero_grad()
        loss.backward()
        opt.step()
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "bn-stats.safetensors")
    save_file(model.state_dict(), path, metadata={"net": NET})

    info = {"net": NET, "dataset": "fashion-mnist", "split": "test", "images": TEST_IMAGES, "steps": STEPS, "batch": BATCH,
            "lr": LR, "seed": SEED, "torch": torch.__version__, "recompute_batch": RECOMPUTE_BATCH}
    m = copy(model).eval()
    info["eval"] = dict(zip(["loss", "accuracy"], score(m, x_test, y_test)))
    m = copy(model).train()
    info["train"] = dict(zip(["loss", "accuracy"], score(m, x_test, y_test)))
    recomputed = {}
    info["recompute"] = []
    for n, how in RECOMPUTE.items():
        m = copy(model)
        (swa_update_bn if n == 2048 else mode_connectivity_update_bn)(m, x_train[:n])
        if n == 2048:  # full batches: the two definitions agree
            other = copy(model)
            mode_connectivity_update_bn(other, x_train[:n])
            for a, b in zip(m.buffers(), other.buffers()):
                if a.dtype == torch.float64:
                    assert torch.allclose(a, b, rtol=1e-12, atol=1e-15), "update_bn definitions differ on full batches"
        for name, t in m.state_dict().items():
            if "running_" in name:
                recomputed[f"{n}.{name}"] = t.float().contiguous()
        loss, accuracy = score(m.eval(), x_test, y_test)
        info["recompute"].append({"images": n, "how": how, "loss": loss, "accuracy": accuracy})
    save_file(recomputed, os.path.join(OUT, "bn-stats-recomputed.safetensors"))
    with open(os.path.join(OUT, "bn-stats.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    print(f"bn-stats: {STEPS} steps; test[:{TEST_IMAGES}] eval loss {info['eval']['loss']:.6f}, train-mode loss "
          f"{info['train']['loss']:.6f}, recomputed " + ", ".join(f"{r['images']}: {r['loss']:.6f}" for r in info["recompute"]))


if __name__ == "__main__":
    main()
