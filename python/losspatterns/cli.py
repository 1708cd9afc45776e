"""`python -m losspatterns train|experiment bn|bench|fixture` — the command line of `mpo`
(same option names and defaults where they exist), with progress lines fit for a log file:
one line per --log-every steps with the time, rate and ETA, flushed; only rank 0 prints."""
from __future__ import annotations

import argparse
import math
import os
import sys
import time

import numpy as np
import torch


def clock(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


def stamp() -> str:
    return time.strftime("%H:%M:%S")


def add_training_options(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--preset", default="live", help="Preset: live (default, for watching), paper (the paper's settings), tiny.")
    ap.add_argument("--net", default=None, help="Net: paper, paper-bn, small, tiny (default: the preset's).")
    ap.add_argument("--bn", action="store_true", help="Add BatchNorm after each conv (the paper's appendix C variant).")
    ap.add_argument("--dataset", default="fashion-mnist", help="Dataset: fashion-mnist, mnist, cifar10.")
    ap.add_argument("--data", default=None, help="Folder with the dataset's files (default for fashion-mnist: /usr/share/datasets/fashion-mnist).")
    ap.add_argument("--seed", type=int, default=1, help="Random seed, 0...2^64-1.")
    ap.add_argument("--batch", type=int, default=None, help="Minibatch size, 1...16384 (default: the preset's).")
    ap.add_argument("--cells", type=int, default=None, help="Good and bad cells per step, 1...4096 each (default: the preset's).")
    ap.add_argument("--lr", type=float, default=None, help="Adam learning rate, above 0 and at most 1 (default: the preset's).")
    ap.add_argument("--workers", type=int, default=None, help="CPU threads per process (default: the cores / processes on this machine).")
    ap.add_argument("--precision", default="auto", help="fp32, bf16 (autocast, fp32 master weights) or auto (bf16 on a GPU that has it, else fp32).")
    ap.add_argument("--device", default="auto", help="Companion only: cpu, cuda or auto (cuda when PyTorch sees a GPU; under torchrun cuda:LOCAL_RANK).")
    ap.add_argument("--clamp", default=None, choices=["batch", "image"], help="What a bad cell's clip clamps: 'batch' (the minibatch's mean cross-entropy, as the paper) or 'image' (each image's; the live preset's) (default: the preset's).")
    ap.add_argument("--clip", type=float, default=None, help="Companion only: bad cells' CE clamp (default: the preset's, 2.5).")
    ap.add_argument("--grad-clip", type=float, default=None, help="Companion only: gradient-norm clipping (default: the preset's, 100).")
    ap.add_argument("--cell-chunk", type=int, default=0, help="Companion only: cells per forward/backward pass (0: as many as fit in memory).")


def setup(args, **context):
    from .dist import Context, default_threads
    ctx = Context(device=args.device, **context)
    torch.set_num_threads(args.workers or default_threads(ctx))
    return ctx


def say(ctx, *text, **kw):
    if ctx.main:
        print(*text, **kw, flush=True)


def cmd_train(args) -> int:
    from . import checkpoint, data, files
    from .config import MAX_STEP, f32_text, make_config
    from .evaluate import Evaluator, PatternScore, loss_beside_pattern
    from .trainer import State, Trainer

    if args.steps < 1:
        raise SystemExit("Error: --steps must be 1 or more")
    if not (1 <= args.eval_images <= 10000):
        raise SystemExit("Error: --eval-images must be 1...10000")
    ctx = setup(args)
    save_path = files.save_path(args.save) if args.save else None
    state = None
    if args.resume:
        c = checkpoint.read(files.resume_path(args.resume))
        config, pattern = c.config, c.pattern
        config.compute = None  # this program computes from here on
        if config.data_directory and not os.path.exists(config.data_directory):
            config.data_directory = None
        if args.data:
            config.data_directory = args.data
        state = State(c.parameters, c.adam_m, c.adam_v, c.step, c.rng_state)
    else:
        config = make_config(args.preset, args.net, args.bn, args.dataset, args.data, args.seed, args.batch,
                             args.cells, args.lr, args.clip, args.grad_clip)
        if args.clamp is not None:
            config.clamp = args.clamp
        pattern = files.load_pattern(args.pattern)
    train = data.load(config.dataset, "train", config.data_directory)
    test = data.load(config.dataset, "test", config.data_directory).prefix(args.eval_images)
    trainer = Trainer(config, pattern, train, ctx, precision=args.precision, state=state, cell_chunk=args.cell_chunk)
    evaluator = Evaluator(config.net, test, ctx.device, trainer.precision) if ctx.main else None
    good, bad = pattern.trained_cells()
    say(ctx, f"pattern {pattern.name} {pattern.width}x{pattern.height}: {len(good)} good + {len(bad)} bad cells trained")
    say(ctx, f"net {config.net.summary}, P = {trainer.p}; preset {config.preset}: batch {config.batch_size}, "
             f"{config.cells}+{config.cells} cells, lr {f32_text(config.learning_rate)}, clamp {f32_text(config.clip)} ({config.clamp}), "
             f"grad clip {f32_text(config.gradient_clip)}")
    dev = str(ctx.device) + (f" ({torch.cuda.get_device_name(ctx.device)})" if ctx.device.type == "cuda" else f", {torch.get_num_threads()} threads")
    say(ctx, f"data {train.name} ({train.count}), eval {test.name} ({test.count}); PyTorch {torch.__version__} on {dev}, "
             f"{trainer.precision}; {ctx.world} process(es){', cells split over them' if ctx.world > 1 else ''}")
    if args.resume:
        say(ctx, f"resumed {args.resume} at step {trainer.step}")
    target = trainer.step + args.steps
    if target > MAX_STEP:
        raise SystemExit(f"Error: --steps {args.steps}: at most {MAX_STEP} in all")

    def save(path):
        s = trainer.state()
        checkpoint.Checkpoint(config, pattern, s.parameters, s.adam_m, s.adam_v, s.step, s.rng_state,
                              precision=trainer.precision, device=ctx.device.type).write(path)

    start, compute, first = time.time(), 0.0, trainer.step
    last_gap, last_saved, diverged = float("nan"), None, None
    while trainer.step < target:
        before = trainer.snapshot()
        r = trainer.step_once()
        compute += r.seconds
        if not (math.isfinite(r.objective) and trainer.finite()):
            trainer.roll_back(before)
            diverged = (r.step, r.objective, before[3])
            break
        done = trainer.step == target
        if ctx.main and save_path and args.autosave > 0 and trainer.step % args.autosave == 0:
            try:
                save(save_path)
                last_saved = trainer.step
            except Exception as e:  # a failed autosave is reported and training goes on
                print(f"warning: autosave failed: {e} — training goes on"
                      + (f"; the save of step {last_saved} is intact" if last_saved else ""), file=sys.stderr, flush=True)
        if ctx.main and (args.preview_every > 0 and trainer.step % args.preview_every == 0 or done):
            loss, acc = evaluator.pattern_map(trainer.theta, pattern)
            score = PatternScore.of(pattern, loss.astype(np.float32), acc.astype(np.float32))
            last_gap = score.gap
            print("\n" + loss_beside_pattern(loss, pattern, float(config.clip)), end="", flush=True)
            print(f"step {trainer.step}: test gap {score.gap:.3f} (acc black {score.good_accuracy:.3f}, white "
                  f"{score.bad_accuracy:.3f}), loss black {score.good_loss:.3f} white {score.bad_loss:.3f}, "
                  f"match {score.match:.2f}, scale {trainer.scale:.4f}", flush=True)
        if ctx.main and (done or args.log_every > 0 and trainer.step % args.log_every == 0):
            n = trainer.step - first
            rate = n / compute if compute > 0 else float("nan")
            eta = (target - trainer.step) / rate if rate > 0 else float("nan")
            gap = "  -  " if math.isnan(last_gap) else f"{last_gap:.3f}"
            print(f"{stamp()} step {trainer.step:5d}/{target}  {rate:5.2f} steps/s  {r.cell_images / r.seconds:7.0f} cell-img/s  "
                  f"good {r.good_loss:.3f}  bad {r.bad_loss:.3f}  gap {gap}  |g| {r.gradient_norm:.3g}  "
                  f"elapsed {clock(time.time() - start)}  ETA {clock(eta)}", flush=True)
    if diverged:
        msg = f"training diverged at step {diverged[0]} (objective {diverged[1]}); the last finite state is step {diverged[2]}"
        if ctx.main and save_path:
            try:
                save(save_path)
                msg += f", saved to {save_path}"
            except Exception as e:
                msg += f"; it could not be saved ({e})"
        print("Error: " + msg + ". Try a lower --lr.", file=sys.stderr, flush=True)
        ctx.close()
        return 1
    if ctx.main and save_path:
        save(save_path)
        print(f"saved {save_path}", flush=True)
    ctx.close()
    return 0


def cmd_fixture(args) -> int:
    from . import fixture
    torch.set_num_threads(args.workers or torch.get_num_threads())
    names = list(fixture.CASES) if args.case == "all" else args.case.split(",")
    for n in names:
        if n not in fixture.CASES:
            raise SystemExit(f"Error: unknown case {n}; use all or {', '.join(fixture.CASES)}")
    for path in fixture.write_cases(args.out, names, seed=args.seed, dtype=args.dtype, data_dir=args.data):
        print(f"wrote {path}", flush=True)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m losspatterns",
                                 description="LossPatterns' PyTorch companion: MPO planes at scale (CPU, GPU, torchrun), the same files as mpo.")
    sub = ap.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="Train a plane to draw a pattern (headless; torchrun splits each step's cells).")
    t.add_argument("pattern", nargs="?", default="heart", help="A .pbm file or the name of a shipped pattern (see Patterns/).")
    add_training_options(t)
    t.add_argument("--steps", type=int, default=400, help="Steps to train, 1 or more.")
    t.add_argument("--save", default=None, help="Save the plane (safetensors) at the end and at every autosave: a plain name is Checkpoints/NAME.safetensors, a path with a / is used as given.")
    t.add_argument("--autosave", type=int, default=0, help="Autosave every N steps (0: only at the end).")
    t.add_argument("--preview-every", type=int, default=100, help="Evaluate and print a preview every N steps (0: only at the end).")
    t.add_argument("--eval-images", type=int, default=500, help="Test images for the previews and the gap, 1...10000.")
    t.add_argument("--headless", action="store_true", help="Accepted for mpo's sake: the companion always runs headless.")
    t.add_argument("--resume", default=None, help="Resume from this checkpoint (a path, or the name of one in Checkpoints/); made by mpo or by the companion.")
    t.add_argument("--log-every", type=int, default=10, help="Companion only: a progress line every N steps (0: only at previews and the end).")
    t.set_defaults(func=cmd_train)

    e = sub.add_parser("experiment", help="Reproduce the paper's experiments.")
    esub = e.add_subparsers(dest="experiment", required=True)
    from .experiment import add_bn_parser
    add_bn_parser(esub)

    b = sub.add_parser("bench", help="Training and evaluation speed (cell-images/s), to set beside mpo bench.")
    from .bench import add_bench_options
    add_bench_options(b)

    f = sub.add_parser("fixture", help="Write mpo-kind parity cases computed by the companion (for CompanionParityTests).")
    f.add_argument("--out", required=True, help="Folder for companion-CASE.safetensors.")
    f.add_argument("--case", default="all", help="all, or some of: paper, paper-bn, paper-clipped, small-bn-clipped (comma-separated).")
    f.add_argument("--seed", type=int, default=7)
    f.add_argument("--dtype", default="float32", choices=["float32", "float64"], help="float32: the companion's training arithmetic (default); float64: a reference.")
    f.add_argument("--data", default=None, help="FashionMNIST folder (synthetic images when absent).")
    f.add_argument("--workers", type=int, default=None)
    f.set_defaults(func=cmd_fixture)

    args = ap.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, OSError, RuntimeError) as err:
        print(f"Error: {err}", file=sys.stderr, flush=True)
        return 1
