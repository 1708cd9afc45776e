"""`python -m losspatterns bench`: the companion's training and evaluation speed, measured as
`mpo bench` measures the engine (medians after a warm-up; one full MPO step on a 16x16 ring;
a 16x16 map over 500 test images for `paper`, 256 for `live`), so the two can be set side by
side on one machine. With a GPU (or --paper-bn-run) it also times the BN experiment's --paper
run: paper-bn, batch 512, 50+50 cells, 11,700 steps, scored on a 30x30 map over 2000 images."""
from __future__ import annotations

import json
import platform
import time

import numpy as np
import torch

from . import data as datasets
from .config import PRESETS, TrainingConfig
from .dist import Context, default_threads
from .evaluate import Evaluator
from .net import PAPER_BN
from .pattern import randomly_filled_square, ring
from .trainer import Trainer, resolve_precision


def add_bench_options(b):
    b.add_argument("--quick", action="store_true", help="Fewer repetitions.")
    b.add_argument("--json", action="store_true", help="One JSON object on stdout instead of the table.")
    b.add_argument("--workers", type=int, default=None, help="CPU threads (default: all cores).")
    b.add_argument("--presets", default="paper,live", help="Presets to measure, comma-separated.")
    b.add_argument("--precision", default="all", help="fp32, bf16, auto, or all (fp32, and bf16 on a GPU that has it).")
    b.add_argument("--device", default="auto", help="cpu, cuda or auto.")
    b.add_argument("--data", default=None, help="FashionMNIST folder (synthetic images when absent).")
    b.add_argument("--paper-bn-run", default="auto", choices=["auto", "yes", "no"],
                   help="Time one `experiment bn --paper` run (auto: on a GPU only; on a CPU a step takes minutes).")
    b.set_defaults(func=cmd_bench)


def cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def median(v):
    return float(np.median(v))


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def measure(config: TrainingConfig, train, test, ctx, precision, reps, map_reps, eval_images, pattern=None):
    pattern = pattern or ring(16)
    trainer = Trainer(config, pattern, train, ctx, precision=precision)
    trainer.step_once()  # warm-up
    steps = [trainer.step_once().seconds for _ in range(reps)]
    step = median(steps)
    cell_images = (min(config.cells, len(trainer.good)) + min(config.cells, len(trainer.bad))) * config.batch_size
    ev = Evaluator(config.net, test.prefix(eval_images), ctx.device, precision)
    ev.pattern_map(trainer.theta, pattern)
    maps = []
    for _ in range(map_reps):
        sync(ctx.device)
        t = time.time()
        ev.pattern_map(trainer.theta, pattern)
        sync(ctx.device)
        maps.append(time.time() - t)
    m = median(maps)
    train_rate = cell_images / step
    eval_rate = pattern.height * pattern.width * eval_images / m
    return dict(preset=config.preset, precision=trainer.precision, device=str(ctx.device), batch=config.batch_size,
                cells=config.cells, train_cell_images_per_s=train_rate, train_step_seconds=step,
                eval_cell_images_per_s=eval_rate, eval_images=eval_images, map_seconds=m,
                gflops=train_rate * config.net.training_flops() / 1e9, eval_gflops=eval_rate * config.net.forward_flops() / 1e9)


def cmd_bench(args) -> int:
    ctx = Context(device=args.device, init=False)
    torch.set_num_threads(args.workers or default_threads(ctx))
    dev = ctx.device
    try:
        train = datasets.load("fashion-mnist", "train", args.data)
        test = datasets.load("fashion-mnist", "test", args.data)
    except (datasets.DataError, OSError):
        train, test = datasets.synthetic(60000, seed=1), datasets.synthetic(10000, seed=2)
    if args.precision == "all":
        precisions = ["fp32"] + (["bf16"] if resolve_precision("auto", dev) == "bf16" else [])
    else:
        precisions = [resolve_precision(args.precision, dev)]
    where = f"{torch.cuda.get_device_name(dev)}" if dev.type == "cuda" else f"{cpu_name()}, {torch.get_num_threads()} threads"
    if not args.json:
        print(f"losspatterns bench: PyTorch {torch.__version__} on {dev} ({where})", flush=True)
        print("preset  prec  device  batch  cells   train cell-img/s   GFLOP/s   eval cell-img/s   GFLOP/s   step s   16x16 map s", flush=True)
    reps, map_reps = (3, 3) if args.quick else (7, 5)
    results = []
    for prec in precisions:
        for name in args.presets.split(","):
            if name not in PRESETS:
                raise ValueError(f"unknown preset {name}")
            r = measure(PRESETS[name], train, test, ctx, prec, reps, map_reps, 256 if name == "live" else 500)
            results.append(r)
            if not args.json:
                print(f"{name:<8}{prec:<6}{dev.type:<7} {r['batch']:5d}  {r['cells']:2d}+{r['cells']:<2d}  {r['train_cell_images_per_s']:17.0f}  "
                      f"{r['gflops']:8.1f}  {r['eval_cell_images_per_s']:16.0f}  {r['eval_gflops']:8.1f}  {r['train_step_seconds']:7.3f}  "
                      f"{r['map_seconds']:11.2f}", flush=True)
    out = dict(device=str(dev), where=where, torch=torch.__version__, results=results)
    if args.paper_bn_run == "yes" or (args.paper_bn_run == "auto" and dev.type == "cuda"):
        prec = precisions[-1]
        config = TrainingConfig("bn-experiment", PAPER_BN, 512, 50, 3e-4)
        mask = randomly_filled_square(30, 0.5, 1)
        trainer = Trainer(config, mask, train, ctx, precision=prec)
        trainer.step_once()
        steps = [trainer.step_once().seconds for _ in range(2 if args.quick else 4)]
        ev = Evaluator(PAPER_BN, test.prefix(2000), dev, prec)
        sync(dev)
        t = time.time()
        ev.pattern_map(trainer.theta, mask)
        sync(dev)
        score = time.time() - t
        step = median(steps)
        run = step * 11_700 + score
        cells = (min(50, len(trainer.good)) + min(50, len(trainer.bad))) * 512
        out["paper_bn_run"] = dict(precision=prec, step_seconds=step, cell_images_per_s=cells / step, score_seconds=score,
                                   run_hours=run / 3600, experiment_hours_90_runs=90 * run / 3600)
        if not args.json:
            print(f"\n`experiment bn --paper`, one run ({prec}): paper-bn, batch 512, {cells // 512} cells/step: {step:.3f} s/step "
                  f"({cells / step:.0f} cell-img/s) x 11,700 steps + {score:.1f} s scoring = {run / 3600:.2f} h; "
                  f"the 90-run grid: {90 * run / 3600:.1f} h on this device (divide by the GPUs under torchrun)", flush=True)
    elif not args.json:
        print("\n(`experiment bn --paper` run time: measured on a GPU, or with --paper-bn-run yes; on a CPU one step takes minutes)")
    if args.json:
        print(json.dumps(out, indent=2, sort_keys=True))
    return 0
