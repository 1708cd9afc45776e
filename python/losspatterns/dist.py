"""torchrun / torch.distributed, when the process was started by it (WORLD_SIZE > 1)."""
from __future__ import annotations

import datetime
import os

import torch
import torch.distributed as tdist


class Context:
    """rank, world size and the device of this process; `reduce` sums a tensor over processes."""

    def __init__(self, device: str = "auto", backend: str | None = None, init: bool = True, timeout_hours: float | None = None):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.local_world = int(os.environ.get("LOCAL_WORLD_SIZE", str(self.world)))
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        if device == "cuda":
            if not torch.cuda.is_available():
                raise RuntimeError("--device cuda: PyTorch sees no CUDA device here")
            index = self.local_rank % torch.cuda.device_count()
            torch.cuda.set_device(index)
            self.device = torch.device("cuda", index)
        elif device.startswith("cuda:"):
            self.device = torch.device(device)
            torch.cuda.set_device(self.device)
        else:
            self.device = torch.device("cpu")
        self.initialized_here = False
        if self.world > 1 and init and not tdist.is_initialized():
            backend = backend or ("nccl" if self.device.type == "cuda" else "gloo")
            extra = {"timeout": datetime.timedelta(hours=timeout_hours)} if timeout_hours else {}
            tdist.init_process_group(backend=backend, **extra)
            self.initialized_here = True

    def local(self) -> "Context":
        """This process alone (same device): for work that is not split, e.g. one experiment run."""
        c = object.__new__(Context)
        c.__dict__.update(self.__dict__)
        c.world, c.rank, c.local_world, c.initialized_here = 1, 0, 1, False
        return c

    @property
    def distributed(self) -> bool:
        return self.world > 1 and tdist.is_initialized()

    @property
    def main(self) -> bool:
        return self.rank == 0

    def reduce(self, t: torch.Tensor) -> torch.Tensor:
        if self.distributed:
            tdist.all_reduce(t, op=tdist.ReduceOp.SUM)
        return t

    def barrier(self):
        if self.distributed:
            tdist.barrier()

    def close(self):
        if self.initialized_here and tdist.is_initialized():
            tdist.destroy_process_group()


def default_threads(ctx: Context) -> int:
    cores = os.cpu_count() or 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        pass
    return max(1, cores // max(1, ctx.local_world))
