#!/usr/bin/env python3
"""PyTorch models for the test that opens a state_dict directly (Tests/MPOTests/TorchModelTests.swift).

Trains two nets briefly on FashionMNIST with PyTorch, each written as PyTorch users write one,
with module names unlike the engine's, and saves for each:
  Tests/Fixtures/torch/NAME.safetensors   safetensors.torch.save_file(model.state_dict(), path)
  Tests/Fixtures/torch/NAME.json          the net as `--net` takes it, and PyTorch's own mean
                                          cross-entropy and accuracy on the first 1,000 test images
Nets:
  paper-net     the paper net (conv 8,32,64 pool; dense 128) as `features.conv1`, ... `classifier.fc2`;
                scored in eval mode (it has no BatchNorm, so eval and train mode agree)
  bn-net        conv 4,4,8,8 bn pool; dense 16 as one nn.Sequential `body` (indices past 10, which
                name order sorts wrongly); scored in train mode over the 1,000 images as one batch,
                what the engine's `--bn-stats batch` gives (eval mode, with the running buffers the
                engine also reads, is scripts/make-bn-stats-fixture.py's)
Losses are computed in float64 from the saved float32 weights. Images are read from the IDX .gz
files with numpy and scaled by 1/255, as the engine reads them. Seeds fixed.

Usage: /work/main/.venv/bin/python scripts/make-torch-model.py [DATA_DIR]
"""
import gzip, json, os, sys
from collections import OrderedDict

import numpy as np
import torch, torch.nn as nn, torch.nn.functional as F
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "torch")
DATA = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
STEPS, BATCH, LR, SEED, TEST_IMAGES = 400, 128, 1e-3, 0, 1000


def idx(name):
    """An IDX file: big-endian magic (type, rank), the sizes, then the bytes."""
    with gzip.open(os.path.join(DATA, name)) as f:
        raw = f.read()
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * rank).reshape(dims)


def images(name):
    x = idx(name).astype(np.float32) / 255  # [N, 28, 28]
    return torch.from_numpy(x[:, None].copy())  # [N, 1, 28, 28]


class PaperNet(nn.Module):
    """conv 1-8-32-64, each with ReLU and 2x2 max-pool; adaptive pool 4x4; MLP 1024-128-10."""
    def __init__(self):
        super().__init__()
        layers = OrderedDict()
        for i, (cin, cout) in enumerate([(1, 8), (8, 32), (32, 64)], 1):
            layers[f"conv{i}"] = nn.Conv2d(cin, cout, 3, padding=1)
            layers[f"relu{i}"] = nn.ReLU()
            layers[f"pool{i}"] = nn.MaxPool2d(2)
        self.features = nn.Sequential(layers)
        self.pool = nn.AdaptiveAvgPool2d(4)
        self.classifier = nn.Sequential(OrderedDict(fc1=nn.Linear(1024, 128), relu=nn.ReLU(), fc2=nn.Linear(128, 10)))

    def forward(self, x):
        return self.classifier(torch.flatten(self.pool(self.features(x)), 1))


class BNNet(nn.Module):
    """conv 1-4-4-8-8, each with BatchNorm, ReLU and 2x2 max-pool (28 -> 1); pool 4x4; MLP 128-16-10."""
    def __init__(self):
        super().__init__()
        layers = []
        for cin, cout in [(1, 4), (4, 4), (4, 8), (8, 8)]:
            layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2)]
        layers += [nn.AdaptiveAvgPool2d(4), nn.Flatten(), nn.Linear(128, 16), nn.ReLU(), nn.Linear(16, 10)]
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return self.body(x)


def train(model, x, y):
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    g = torch.Generator().manual_seed(SEED)
    model.train()
    for step in range(STEPS):
        i = torch.randint(0, len(y), (BATCH,), generator=g)
        loss = F.cross_entropy(model(x[i]), y[i])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


def score(model, x, y, train_mode):
    """PyTorch's mean cross-entropy and accuracy, float64, on a copy (train mode moves BN buffers)."""
    m = type(model)()
    m.load_state_dict(model.state_dict())
    m = m.double().train(train_mode)
    with torch.no_grad():
        logits = m(x.double())
    return F.cross_entropy(logits, y).item(), (logits.argmax(1) == y).double().mean().item()


def main():
    torch.set_num_threads(2)
    x_train, y_train = images("train-images-idx3-ubyte.gz"), torch.from_numpy(idx("train-labels-idx1-ubyte.gz").astype(np.int64))
    x_test = images("t10k-images-idx3-ubyte.gz")[:TEST_IMAGES]
    y_test = torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz")[:TEST_IMAGES].astype(np.int64))
    os.makedirs(OUT, exist_ok=True)
    for name, cls, net, train_mode in [
        ("paper-net", PaperNet, "conv 8,32,64 pool; dense 128", False),
        ("bn-net", BNNet, "conv 4,4,8,8 bn pool; dense 16", True),
    ]:
        torch.manual_seed(SEED)
        model = cls()
        last = train(model, x_train, y_train)
        path = os.path.join(OUT, name + ".safetensors")
        save_file(model.state_dict(), path)
        loss, accuracy = score(model, x_test, y_test, train_mode)
        info = {
            "net": net, "dataset": "fashion-mnist", "split": "test", "images": TEST_IMAGES,
            "mode": "train (batch statistics over all the images at once)" if train_mode else "eval",
            "loss": loss, "accuracy": accuracy, "final_train_loss": last,
            "parameters": sum(p.numel() for p in model.parameters()),
            "steps": STEPS, "batch": BATCH, "lr": LR, "seed": SEED, "torch": torch.__version__,
        }
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump(info, f, indent=2)
            f.write("\n")
        print(f"{name}: P = {info['parameters']}, {STEPS} steps (last train loss {last:.4f}); "
              f"test[:{TEST_IMAGES}] loss {loss:.6f}, accuracy {accuracy:.4f}; wrote {path}")


if __name__ == "__main__":
    main()
