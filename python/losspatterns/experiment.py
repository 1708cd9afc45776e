"""`python -m losspatterns experiment bn`: the paper's BatchNorm experiment (§4.2, Figure 4) as
`mpo experiment bn` runs it (Sources/MPO/Experiments, Sources/mpo/Experiment.swift), with the
same output folder - runs.csv, table.md, figure.png, settings.json - and the same resume rules, so
either program can continue a folder the other started (with the same per-run settings,
precision included).

Under torchrun the runs are spread over the processes (one GPU each: cuda:LOCAL_RANK): every
process takes the next pending run from a shared counter (a TCPStore beside torchrun's), trains
it whole on its device and appends its line to runs.csv under a file lock; table.md and
figure.png are redrawn from runs.csv after every run. Masks, cells and minibatches come from the
engine's generator, so run (p, variant, seed) fits the same mask with the same draws as in `mpo`.
"""
from __future__ import annotations

import fcntl
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from . import data as datasets
from .config import TrainingConfig, f32, f32_text
from .files import atomic_write
from .net import EXPERIMENT_NETS, NetSpec

CSV_HEADER = "p,variant,seed,steps,gap,black_accuracy,white_accuracy,black_loss,white_loss,black_cells,white_cells,diverged_at,seconds"
VARIANTS = ("plain", "bn")
QUICK = dict(net="mini", mask=10, steps=3000, seeds=5, batch=32, cells=8, lr=3e-3, eval_images=1000)
PAPER_SCALE = dict(net="paper-bn", mask=30, steps=11_700, seeds=5, batch=512, cells=50, lr=3e-4, eval_images=2000)


def _round(x):
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


def p_key(p: float) -> int:
    return int(_round(p * 10_000))


def fmt_p(p: float) -> str:
    s = f"{p:.4f}".rstrip("0")
    return s[:-1] if s.endswith(".") else s


def probabilities(lo: float, hi: float, step: float) -> list[float]:
    if not (step > 0 and lo <= hi + 1e-9):
        return []
    n = int(math.floor((hi - lo) / step + 1e-6))
    return [_round((lo + i * step) * 10_000) / 10_000 for i in range(n + 1)]


def _json_number(v):
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _swift_pretty(obj, indent=0) -> str:
    """JSONEncoder with [.prettyPrinted, .sortedKeys]: two spaces, `"key" : value`, one array
    element per line; integral floats without a fraction."""
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{\n\n" + pad + "}"
        items = [f'{inner}{json.dumps(k)} : {_swift_pretty(obj[k], indent + 1)}' for k in sorted(obj)]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list):
        if not obj:
            return "[\n\n" + pad + "]"
        return "[\n" + ",\n".join(inner + _swift_pretty(v, indent + 1) for v in obj) + "\n" + pad + "]"
    return json.dumps(_json_number(obj))


@dataclass
class Settings:
    net: NetSpec  # BN off; each variant switches it
    mask_size: int
    steps: int
    batch_size: int
    cells: int
    learning_rate: float
    eval_images: int
    probabilities: list
    seeds: list
    clip: float = 2.5
    gradient_clip: float = 100.0
    initial_scale: float = 0.1
    dataset: str = "fashion-mnist"
    precision: str | None = "fp32"

    def config(self, variant: str, seed: int) -> TrainingConfig:
        net = self.net.for_images(datasets.image_shape(self.dataset)).with_bn(variant == "bn")
        return TrainingConfig("bn-experiment", net, self.batch_size, self.cells, f32(self.learning_rate), f32(self.clip),
                              f32(self.gradient_clip), f32(self.initial_scale), int(seed), self.dataset)

    @property
    def runs(self):
        return [(p, v, s) for s in self.seeds for p in self.probabilities for v in VARIANTS]

    def to_json(self) -> dict:
        d = {"net": self.net.with_bn(False).to_json(), "maskSize": self.mask_size, "steps": self.steps,
             "batchSize": self.batch_size, "cells": self.cells, "learningRate": f32(self.learning_rate),
             "clip": f32(self.clip), "gradientClip": f32(self.gradient_clip), "initialScale": f32(self.initial_scale),
             "dataset": self.dataset, "evalImages": self.eval_images, "probabilities": list(self.probabilities),
             "seeds": [int(s) for s in self.seeds]}
        if self.precision is not None:
            d["precision"] = self.precision
        return d

    @staticmethod
    def from_json(d: dict) -> "Settings":
        return Settings(net=NetSpec.from_json(d["net"]), mask_size=int(d["maskSize"]), steps=int(d["steps"]),
                        batch_size=int(d["batchSize"]), cells=int(d["cells"]), learning_rate=f32(d["learningRate"]),
                        eval_images=int(d["evalImages"]), probabilities=[float(p) for p in d["probabilities"]],
                        seeds=[int(s) for s in d["seeds"]], clip=f32(d.get("clip", 2.5)),
                        gradient_clip=f32(d.get("gradientClip", 100)), initial_scale=f32(d.get("initialScale", 0.1)),
                        dataset=d.get("dataset", "fashion-mnist"), precision=d.get("precision"))

    def conflicts(self, other: "Settings") -> list[str]:
        out = []

        def check(name, a, b, show=str):
            if a != b:
                out.append(f"{name}: {show(a)} vs {show(b)}")
        check("net", self.net.with_bn(False), other.net.with_bn(False), lambda n: n.summary)
        check("mask size", self.mask_size, other.mask_size)
        check("steps", self.steps, other.steps)
        check("batch", self.batch_size, other.batch_size)
        check("cells", self.cells, other.cells)
        check("learning rate", f32(self.learning_rate), f32(other.learning_rate), f32_text)
        check("clip", f32(self.clip), f32(other.clip), f32_text)
        check("gradient clip", f32(self.gradient_clip), f32(other.gradient_clip), f32_text)
        check("initial scale", f32(self.initial_scale), f32(other.initial_scale), f32_text)
        check("dataset", self.dataset, other.dataset)
        check("eval images", self.eval_images, other.eval_images)
        check("precision", self.precision or "fp32", other.precision or "fp32")
        return out

    @property
    def summary(self) -> str:
        net = self.net.with_bn(False)
        name = next((n for n, s in EXPERIMENT_NETS.items() if s.with_bn(False) == net), None)
        return (f"net {name + ': ' if name else ''}{net.summary}; mask {self.mask_size}x{self.mask_size}; {self.steps} steps; "
                f"batch {self.batch_size}; {self.cells}+{self.cells} cells; lr {f32_text(self.learning_rate)}; "
                f"clamp {f32_text(self.clip)}; {self.dataset}, {self.eval_images} test images; {self.precision or 'fp32'}")


@dataclass
class Record:
    p: float
    variant: str
    seed: int
    steps: int
    gap: float
    black_accuracy: float
    white_accuracy: float
    black_loss: float
    white_loss: float
    black_cells: int
    white_cells: int
    diverged_at: int
    seconds: float

    @property
    def key(self):
        return (p_key(self.p), self.variant, self.seed)

    def csv_line(self) -> str:
        f = lambda x: f"{x:.6f}" if math.isfinite(x) else "nan"
        return ",".join([fmt_p(self.p), self.variant, str(self.seed), str(self.steps), f(self.gap), f(self.black_accuracy),
                         f(self.white_accuracy), f(self.black_loss), f(self.white_loss), str(self.black_cells),
                         str(self.white_cells), str(self.diverged_at), f"{self.seconds:.2f}"])

    @staticmethod
    def parse(line: str):
        f = line.split(",")
        if len(f) != 13 or f[1] not in VARIANTS:
            return None
        try:
            return Record(float(f[0]), f[1], int(f[2]), int(f[3]), *[float(v) for v in f[4:9]], int(f[9]), int(f[10]),
                          int(f[11]), float(f[12]))
        except ValueError:
            return None


def parse_csv(text: str):
    records, index, dropped = [], {}, 0
    for line in text.split("\n"):
        if not line or line == CSV_HEADER:
            continue
        r = Record.parse(line)
        if r is None:
            dropped += 1
            continue
        if r.key in index:
            records[index[r.key]] = r
        else:
            index[r.key] = len(records)
            records.append(r)
    return records, dropped


def stat(values):
    v = [x for x in values if math.isfinite(x)]
    if not v:
        return (0, float("nan"), 0.0)
    m = sum(v) / len(v)
    sd = 0.0 if len(v) < 2 else math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1))
    return (len(v), m, sd)


def stat_text(s):
    return "-" if s[0] == 0 else f"{s[1]:.3f} ± {s[2]:.3f}"


class Summary:
    def __init__(self, settings: Settings, records: list):
        self.settings, self.records = settings, records
        self.rows = {}
        for p in settings.probabilities:
            for v in VARIANTS:
                r = [x for x in records if p_key(x.p) == p_key(p) and x.variant == v]
                if r:
                    self.rows[(p_key(p), v)] = dict(p=p, gap=stat([x.gap for x in r]),
                                                    black=stat([x.black_accuracy for x in r]),
                                                    white=stat([x.white_accuracy for x in r]))

    def row(self, p, v):
        return self.rows.get((p_key(p), v))

    def verdict(self) -> str:
        ps = [p for p in self.settings.probabilities if self.row(p, "plain") and self.row(p, "bn")]
        if not ps:
            return "No probability has runs of both variants yet."
        gp = [self.row(p, "plain")["gap"][1] for p in ps]
        gb = [self.row(p, "bn")["gap"][1] for p in ps]
        ap = [self.row(p, "plain")["black"][1] for p in ps]
        ab = [self.row(p, "bn")["black"][1] for p in ps]
        smaller = sum(1 for a, b in zip(gb, gp) if a < b)
        higher = sum(1 for a, b in zip(ab, ap) if a > b)
        mean = lambda x: sum(x) / len(x)
        return (f"Over {len(ps)} probabilities: BN's gap is smaller than plain's at {smaller} (mean gap plain {mean(gp):.3f}, "
                f"BN {mean(gb):.3f}); BN's black-cell accuracy is higher at {higher} (mean plain {mean(ap):.3f}, BN {mean(ab):.3f}).")

    def markdown(self) -> str:
        lines = ["# BatchNorm experiment (paper §4.2, Figure 4)", "", self.settings.summary + ".", "",
                 "Gap = mean test accuracy on trained black cells minus on trained white cells; "
                 "black acc = mean test accuracy on trained black cells. Mean ± sample std over seeds (n runs).", "",
                 "| p | gap plain | gap BN | black acc plain | black acc BN | n plain | n BN |",
                 "|---:|---:|---:|---:|---:|---:|---:|"]
        for p in self.settings.probabilities:
            a, b = self.row(p, "plain"), self.row(p, "bn")
            if a is None and b is None:
                continue
            t = lambda r, k: stat_text(r[k]) if r else "-"
            lines.append(f"| {fmt_p(p)} | {t(a, 'gap')} | {t(b, 'gap')} | {t(a, 'black')} | {t(b, 'black')} | "
                         f"{a['gap'][0] if a else 0} | {b['gap'][0] if b else 0} |")
        lines += ["", self.verdict()]
        diverged = [r for r in self.records if r.diverged_at > 0]
        if diverged:
            lines.append("Diverged (stopped early, scored where they stopped): "
                         + ", ".join(f"p {fmt_p(r.p)} {'BN' if r.variant == 'bn' else 'plain'} seed {r.seed}" for r in diverged) + ".")
        seconds = sum(r.seconds for r in self.records)
        lines.append(f"{len(self.records)} of {len(self.settings.runs)} runs finished; {seconds / 60:.1f} min of training and scoring.")
        return "\n".join(lines) + "\n"

    def figure_png(self) -> bytes:
        from .plot import render

        def series(v, key):
            pts = [(r["p"], r[key][1], r[key][2]) for (pk, vv), r in self.rows.items() if vv == v]
            return ("without BN" if v == "plain" else "with BN", pts)
        ticks = list(self.settings.probabilities)
        panels = [dict(title="(A) PATTERN FIT", xlabel="FILL PROBABILITY P", ylabel="ACC BLACK - ACC WHITE",
                       series=[series("plain", "gap"), series("bn", "gap")], xticks=ticks),
                  dict(title="(B) ACCURACY", xlabel="FILL PROBABILITY P", ylabel="TEST ACC ON BLACK CELLS",
                       series=[series("plain", "black"), series("bn", "black")], xticks=ticks)]
        n, s = len(self.settings.seeds), self.settings
        title = f"BN EXPERIMENT: {s.mask_size}X{s.mask_size} MASKS, {s.steps} STEPS, MEAN +- STD OVER {n} SEED{'' if n == 1 else 'S'}"
        return render(panels, title=title).png()


class Mismatch(ValueError):
    pass


class Runner:
    """The output folder: settings.json, runs.csv (appended under a lock), table.md, figure.png."""

    def __init__(self, settings: Settings, folder: str, create: bool = True):
        self.settings, self.folder = settings, folder
        self.settings_path = os.path.join(folder, "settings.json")
        self.csv_path = os.path.join(folder, "runs.csv")
        self.table_path = os.path.join(folder, "table.md")
        self.figure_path = os.path.join(folder, "figure.png")
        self.dropped = 0
        if create:
            self.open_folder()
        self.reload()

    def open_folder(self):
        os.makedirs(self.folder, exist_ok=True)
        if os.path.exists(self.settings_path):
            try:
                with open(self.settings_path) as f:
                    stored = Settings.from_json(json.load(f))
            except (ValueError, KeyError, TypeError) as e:
                raise ValueError(f"{self.settings_path}: not the settings of a BN experiment ({e}); use another --output folder")
            diff = self.settings.conflicts(stored)
            if diff:
                raise Mismatch(f"{self.folder} holds runs made with other settings (here vs there):\n  " + "\n  ".join(diff)
                               + f"\nUse another --output folder, or rerun with the settings in {self.folder}/settings.json.")
        elif os.path.exists(self.csv_path):
            raise ValueError(f"{self.csv_path}: runs without a settings.json beside them: cannot tell how they were made; use another --output folder")
        text = open(self.csv_path).read() if os.path.exists(self.csv_path) else ""
        records, self.dropped = parse_csv(text)
        atomic_write((_swift_pretty(self.settings.to_json()) + "\n").encode(), self.settings_path)
        if not text or self.dropped or not text.endswith("\n"):
            atomic_write(("\n".join([CSV_HEADER] + [r.csv_line() for r in records]) + "\n").encode(), self.csv_path)

    def reload(self):
        text = open(self.csv_path).read() if os.path.exists(self.csv_path) else ""
        self.records, _ = parse_csv(text)

    @property
    def grid_records(self):
        by_key = {r.key: r for r in self.records}
        return [by_key[k] for k in ((p_key(p), v, s) for p, v, s in self.settings.runs) if k in by_key]

    @property
    def pending(self):
        done = {r.key for r in self.records}
        return [run for run in self.settings.runs if (p_key(run[0]), run[1], run[2]) not in done]

    def append(self, record: Record):
        """One line, flushed and synced, under an exclusive lock (several processes append)."""
        with open(self.csv_path, "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                f.write(record.csv_line() + "\n")
                f.flush()
                os.fsync(f.fileno())
                self.reload()
                self.write_report()
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def write_report(self):
        s = Summary(self.settings, self.grid_records)
        atomic_write(s.markdown().encode(), self.table_path)
        atomic_write(s.figure_png(), self.figure_path)


def perform(run, settings: Settings, train, evaluators: dict, ctx, precision: str, cell_chunk: int = 0) -> Record:
    from .evaluate import Evaluator
    from .pattern import randomly_filled_square
    from .trainer import Trainer
    start = time.time()
    p, variant, seed = run
    config = settings.config(variant, seed)
    mask = randomly_filled_square(settings.mask_size, p, seed)
    trainer = Trainer(config, mask, train, ctx.local(), precision=precision, cell_chunk=cell_chunk)  # each process runs whole runs
    diverged = 0
    while trainer.step < settings.steps:
        before = trainer.snapshot()
        r = trainer.step_once()
        if not (math.isfinite(r.objective) and trainer.finite()):
            trainer.roll_back(before)
            diverged = r.step
            break
    score = evaluators[variant].score(trainer.theta, mask)
    good, bad = mask.trained_cells()
    return Record(p, variant, seed, trainer.step, score.gap, score.good_accuracy, score.bad_accuracy, score.good_loss,
                  score.bad_loss, len(good), len(bad), diverged, time.time() - start)


def add_bn_parser(sub):
    b = sub.add_parser("bn", help="BatchNorm vs plain on random masks of growing fill probability (paper §4.2, Figure 4).",
                       description="Same grid, options, defaults and output folder as `mpo experiment bn`; under torchrun the runs "
                                   "are spread over the processes (one GPU each).")
    b.add_argument("--output", default="bn-experiment", help="Output folder (created; reused to resume).")
    b.add_argument("--paper", action="store_true", help="The paper's scale (30x30, paper-bn, batch 512, 50+50 cells, lr 3e-4, 11,700 steps, 2000 test images); explicit options override it.")
    b.add_argument("--net", default=None, help=f"Net: {', '.join(EXPERIMENT_NETS)}. Default: mini; --paper: paper-bn.")
    b.add_argument("--conv", default=None, help="A custom net instead of a preset: conv channels after the input, e.g. 4-8-8 (with --dense).")
    b.add_argument("--dense", default=None, help="Hidden linear sizes of a custom net after the flatten, e.g. 32.")
    b.add_argument("--max-pool", default="true", choices=["true", "false"], help="A custom net's max-pool after each conv.")
    b.add_argument("--mask", type=int, default=None, help="Mask side in cells, 5...512 (default 10; --paper 30).")
    b.add_argument("--steps", type=int, default=None, help="MPO steps per run (default 3000; --paper 11700).")
    b.add_argument("--seeds", type=int, default=None, help="Seeds per (p, variant): 1...N (default 5).")
    b.add_argument("--batch", type=int, default=None, help="Minibatch size (default 32; --paper 512).")
    b.add_argument("--cells", type=int, default=None, help="Good and bad cells per step (default 8; --paper 50).")
    b.add_argument("--lr", type=float, default=None, help="Adam learning rate (default 3e-3; --paper 3e-4).")
    b.add_argument("--eval-images", type=int, default=None, help="Test images scoring each plane, 1...10000 (default 1000; --paper 2000).")
    b.add_argument("--clip", type=float, default=None, help="Bad cells' cross-entropy clamp (default 2.5; the original random-squares config used 5).")
    b.add_argument("--p-from", type=float, default=0.1)
    b.add_argument("--p-to", type=float, default=0.9)
    b.add_argument("--p-step", type=float, default=0.1)
    b.add_argument("--dataset", default="fashion-mnist")
    b.add_argument("--data", default=None)
    b.add_argument("--workers", type=int, default=None, help="CPU threads per process (default: the cores / processes).")
    b.add_argument("--precision", default="auto", help="fp32, bf16 or auto (bf16 on a GPU that has it, else fp32). Recorded in settings.json: a folder continues only in its precision.")
    b.add_argument("--device", default="auto", help="Companion only: cpu, cuda or auto.")
    b.add_argument("--cell-chunk", type=int, default=0, help="Companion only: cells per forward/backward pass (0: as many as fit).")
    b.set_defaults(func=cmd_bn)


def settings_from(args, device) -> Settings:
    from .trainer import resolve_precision
    d = PAPER_SCALE if args.paper else QUICK
    if args.dataset not in datasets.KINDS:
        raise ValueError(f"unknown dataset {args.dataset}; use one of {', '.join(datasets.KINDS)}")
    if args.conv:
        try:
            ch = [int(v) for v in args.conv.split("-")]
            hidden = [int(v) for v in (args.dense or "").split("-")]
            assert all(v > 0 for v in ch + hidden)
        except (ValueError, AssertionError):
            raise ValueError("--conv and --dense take sizes joined by '-', e.g. --conv 4-8-8 --dense 32") from None
        spec = NetSpec(conv_channels=tuple([1] + ch), dense=tuple([ch[-1] * 16] + hidden), max_pool=args.max_pool == "true")
    else:
        name = args.net or d["net"]
        if name not in EXPERIMENT_NETS:
            raise ValueError(f"unknown net {name}; use one of {', '.join(EXPERIMENT_NETS)}")
        spec = EXPERIMENT_NETS[name]
    spec = spec.for_images(datasets.image_shape(args.dataset))
    spec.validate()
    ps = probabilities(args.p_from, args.p_to, args.p_step)
    if not ps or not all(0 <= p <= 1 for p in ps):
        raise ValueError("fill probabilities must lie in 0...1 with --p-from <= --p-to and --p-step > 0")
    mask = args.mask or d["mask"]
    if not (5 <= mask <= 512):
        raise ValueError("--mask must be 5...512 (the outline takes 2 cells a side)")
    for name in ("steps", "seeds", "batch", "cells", "eval_images", "workers"):
        v = getattr(args, name)
        if v is not None and v < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be positive")
    s = Settings(net=spec.with_bn(False), mask_size=mask, steps=args.steps or d["steps"], batch_size=args.batch or d["batch"],
                 cells=args.cells or d["cells"], learning_rate=f32(args.lr or d["lr"]),
                 eval_images=args.eval_images or d["eval_images"], probabilities=ps,
                 seeds=list(range(1, (args.seeds or d["seeds"]) + 1)), dataset=args.dataset,
                 precision=resolve_precision(args.precision, device))
    if args.clip is not None:
        s.clip = f32(args.clip)
    return s


class WorkQueue:
    """The next pending run for whichever process asks first: a counter in a TCPStore that rank 0
    hosts (its port is broadcast over the process group)."""

    def __init__(self, ctx):
        import torch.distributed as tdist
        self.ctx = ctx
        if not ctx.distributed:
            self.n = 0
            self.store = None
            return
        host = os.environ.get("MASTER_ADDR", "127.0.0.1")
        if ctx.main:
            self.store = tdist.TCPStore(host, 0, ctx.world, True, wait_for_workers=False)
            port = [self.store.port]
        else:
            port = [None]
        tdist.broadcast_object_list(port, src=0)
        if not ctx.main:
            self.store = tdist.TCPStore(host, port[0], ctx.world, False)
        ctx.barrier()

    def next(self) -> int:
        if self.store is None:
            self.n += 1
            return self.n - 1
        return int(self.store.add("bn-next-run", 1)) - 1


def cmd_bn(args) -> int:
    from .cli import clock, setup
    from .evaluate import Evaluator
    # gloo for the few control messages (runs are not split); a finished process may wait for
    # the others' last runs (hours at --paper scale) at the final barrier
    ctx = setup(args, backend="gloo", timeout_hours=24 * 30)
    settings = settings_from(args, ctx.device)
    if ctx.main:
        runner = Runner(settings, args.output)
    ctx.barrier()
    if not ctx.main:
        runner = Runner(settings, args.output, create=False)
    say = lambda *t: print(*t, flush=True) if ctx.main else None
    say(f"BN experiment: {settings.summary}")
    say(f"grid: p {' '.join(fmt_p(p) for p in settings.probabilities)} x plain/BN x seeds 1...{len(settings.seeds)} = "
        f"{len(settings.runs)} runs; {ctx.world} process(es) on {ctx.device.type}, {torch.get_num_threads()} thread(s) each")
    if ctx.main and runner.dropped:
        say(f"note: dropped {runner.dropped} incomplete line(s) of {runner.csv_path}")
    pending = runner.pending
    if len(pending) < len(settings.runs):
        say(f"resuming in {args.output}: {len(settings.runs) - len(pending)} run(s) already finished, {len(pending)} to go")
    else:
        say(f"output: {args.output}/")
    queue = WorkQueue(ctx)
    if pending:
        train = datasets.load(settings.dataset, "train", args.data)
        test = datasets.load(settings.dataset, "test", args.data).prefix(settings.eval_images)
        say(f"data: {train.name} ({train.count}), scored on {test.count} test images; PyTorch {torch.__version__}")
        evaluators = {v: Evaluator(settings.config(v, 1).net, test, ctx.device, settings.precision or "fp32", args.cell_chunk)
                      for v in VARIANTS}
        start, spent = time.time(), {}
        total = len(settings.runs)
        while True:
            i = queue.next()
            if i >= len(pending):
                break
            run = pending[i]
            record = perform(run, settings, train, evaluators, ctx, settings.precision or "fp32", args.cell_chunk)
            runner.append(record)
            spent.setdefault(record.variant, []).append(record.seconds)
            done = len(runner.grid_records)
            left = pending[i + 1:]
            allv = [s for v in spent.values() for s in v]
            est = sum((np.mean(spent[r[1]]) if r[1] in spent else np.mean(allv)) for r in left) / max(1, ctx.world)
            who = f"  (rank {ctx.rank})" if ctx.world > 1 else ""
            div = f"  DIVERGED at step {record.diverged_at}" if record.diverged_at else ""
            print(f"[{done:3d}/{total}] p {fmt_p(record.p):<4} {'BN' if record.variant == 'bn' else 'plain':<5} seed {record.seed:<2d}  "
                  f"gap {record.gap:6.3f}  acc black {record.black_accuracy:.3f} white {record.white_accuracy:.3f}  "
                  f"{record.seconds:6.1f}s{div}  elapsed {clock(time.time() - start)}  ETA {clock(est)}{who}", flush=True)
    ctx.barrier()
    if ctx.main:
        runner.reload()
        runner.write_report()
        print("")
        print(Summary(settings, runner.grid_records).markdown(), end="")
        print("")
        print(f"wrote {runner.csv_path}, {runner.table_path}, {runner.figure_path}", flush=True)
    ctx.close()
    return 0
