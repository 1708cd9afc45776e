"""The engine's datasets, read from the same files (Sources/Engine/Data): (Fashion-)MNIST IDX
(raw or .gz; `train-*`/`t10k-*`, `-idx3-ubyte` or `.idx3-ubyte`), pixels / 255; CIFAR-10 binary
(`data_batch_1..5.bin`, `test_batch.bin`), normalised per channel. Nothing is downloaded."""
from __future__ import annotations

import gzip
import os
from dataclasses import dataclass

import numpy as np
import torch

DEBIAN_FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
KINDS = ("fashion-mnist", "mnist", "cifar10")
CIFAR_MEAN = np.array([0.4914, 0.4822, 0.4465], dtype=np.float32)
CIFAR_STD = np.array([0.2023, 0.1994, 0.2010], dtype=np.float32)


class DataError(ValueError):
    pass


@dataclass
class Dataset:
    name: str
    images: torch.Tensor  # [N, C, H, W] float32
    labels: torch.Tensor  # [N] int64

    @property
    def count(self) -> int:
        return int(self.labels.shape[0])

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.images.shape[1:])

    def prefix(self, n: int) -> "Dataset":
        return Dataset(self.name, self.images[:n], self.labels[:n])

    def to(self, device) -> "Dataset":
        return Dataset(self.name, self.images.to(device), self.labels.to(device))


def image_shape(kind: str) -> tuple[int, int, int]:
    return (3, 32, 32) if kind == "cifar10" else (1, 28, 28)


def default_directory(kind: str) -> str | None:
    return DEBIAN_FASHION_MNIST if kind == "fashion-mnist" else None


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        head = f.read(2)
    opener = gzip.open if head == b"\x1f\x8b" else open
    with opener(path, "rb") as f:
        return f.read()


def read_idx(path: str, rank: int) -> np.ndarray:
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DataError(f"{path}: not an IDX file")
    if raw[2] != 0x08:
        raise DataError(f"{path}: IDX element type 0x{raw[2]:x} is not unsigned byte (0x08)")
    if raw[3] != rank:
        raise DataError(f"{path}: expected {rank} dimension(s), found {raw[3]}")
    dims = [int.from_bytes(raw[4 + 4 * d:8 + 4 * d], "big") for d in range(rank)]
    total = int(np.prod(dims))
    start = 4 + 4 * rank
    if len(raw) - start != total:
        raise DataError(f"{path}: header promises {total} bytes of data, file has {len(raw) - start}")
    return np.frombuffer(raw, dtype=np.uint8, offset=start).reshape(dims)


def _locate(directory: str, prefix: str, kind: str, rank: int) -> str:
    stems = [f"{prefix}-{kind}-idx{rank}-ubyte", f"{prefix}-{kind}.idx{rank}-ubyte"]
    for stem in stems:
        for name in (stem + ".gz", stem):
            p = os.path.join(directory, name)
            if os.path.exists(p):
                return p
    raise DataError(f"{os.path.join(directory, stems[0] + '.gz')}: file not found")


def load(kind: str, split: str, directory: str | None = None) -> Dataset:
    if kind not in KINDS:
        raise DataError(f"unknown dataset {kind}; use one of {', '.join(KINDS)}")
    d = directory or default_directory(kind)
    if d is None:
        raise DataError(f"{kind}: no data folder given (use --data DIR)")
    if kind == "cifar10":
        files = [f"data_batch_{i}.bin" for i in range(1, 6)] if split == "train" else ["test_batch.bin"]
        xs, ys = [], []
        for name in files:
            path = os.path.join(d, name)
            if not os.path.isfile(path):
                raise DataError(f"{path}: file not found")
            raw = np.fromfile(path, dtype=np.uint8)
            if raw.size == 0 or raw.size % 3073:
                raise DataError(f"{path}: size {raw.size} is not a whole number of 3073-byte CIFAR-10 records")
            rec = raw.reshape(-1, 3073)
            if rec[:, 0].max() >= 10:
                raise DataError(f"{path}: label out of range 0..<10")
            ys.append(rec[:, 0].astype(np.int64))
            px = rec[:, 1:].reshape(-1, 3, 1024).astype(np.float32)
            scale = (np.float32(1) / (np.float32(255) * CIFAR_STD)).astype(np.float32)
            shift = (CIFAR_MEAN / CIFAR_STD).astype(np.float32)
            xs.append((px * scale[None, :, None] - shift[None, :, None]).reshape(-1, 3, 32, 32))
        return Dataset(f"cifar10 {split}", torch.from_numpy(np.concatenate(xs)), torch.from_numpy(np.concatenate(ys)))
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(_locate(d, prefix, "images", 3), 3)
    labels = read_idx(_locate(d, prefix, "labels", 1), 1)
    if images.shape[0] != labels.shape[0]:
        raise DataError(f"{d}: {labels.shape[0]} labels but {images.shape[0]} images")
    if labels.max() >= 10:
        raise DataError(f"{d}: label out of range 0..<10")
    x = images.astype(np.float32) / np.float32(255)
    return Dataset(f"{kind} {split}", torch.from_numpy(x).unsqueeze(1), torch.from_numpy(labels.astype(np.int64)))


def synthetic(n: int, shape=(1, 28, 28), seed: int = 0, name: str = "synthetic") -> Dataset:
    """Random images and labels (tests on machines without the dataset)."""
    g = torch.Generator().manual_seed(seed)
    return Dataset(name, torch.rand((n,) + tuple(shape), generator=g), torch.randint(0, 10, (n,), generator=g))
