#!/usr/bin/env bash
# The loss surface of one direction plane computed twice on this machine: by `mpo render` (the
# Evaluator) and by scripts/surface-pytorch.py (loss-landscape's way: load each point's weights
# into a torch model, forward the images in batches). Same plane file, same 51x51 grid, same first
# N test images; prints both wall times, the ratio and how far the two surfaces differ.
# It builds nothing: MPO_BINARY (default .build/release/mpo) and PYTHON (default .venv/bin/python,
# else ../main/.venv/bin/python) say what runs.
# Usage: scripts/surface-vs-pytorch.sh [PLANE.safetensors] [extra mpo render flags]
#   without PLANE: fits the paper net for 200 steps and makes a random plane around it first.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${MPO_BINARY:-.build/release/mpo}
python=${PYTHON:-}
if [ -z "$python" ]; then for p in .venv/bin/python ../main/.venv/bin/python; do [ -x "$p" ] && { python=$p; break; }; done; fi
images=${IMAGES:-1000}
out=${OUT:-surface-vs-pytorch}
[ -x "$bin" ] || { echo "error: no mpo binary at $bin (swift build -c release, or set MPO_BINARY)" >&2; exit 1; }
[ -n "$python" ] && [ -x "$python" ] || { echo "error: no PyTorch python (make venv, or set PYTHON)" >&2; exit 1; }
mkdir -p "$out"
plane=${1:-}
[ $# -gt 0 ] && shift
if [ -z "$plane" ]; then
  plane=$out/random.safetensors
  if [ ! -f "$plane" ]; then
    "$bin" fit --net paper --steps 200 --trajectory-every 0 --test-images 1000 --save "$out/model.safetensors" | tail -1
    "$bin" plane random "$out/model.safetensors" --seed 1 --save "$plane" | tail -1
  fi
fi
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; plane $plane; $images test images"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$bin" render "$plane" --eval-images "$images" --out "$out/mpo.csv" "$@" | tee "$out/mpo.txt" | grep -E '^(evaluated|wrote)'
echo "load between: $(cut -d' ' -f1-3 /proc/loadavg)"
"$python" scripts/surface-pytorch.py "$plane" --images "$images" --out "$out/torch.csv" | tee "$out/torch.txt" | grep -v '^RESULT'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
"$python" - "$out" <<'PY'
import re, sys
import numpy as np
out = sys.argv[1]
def surface(path):
    rows = [l for l in open(path) if not l.startswith("#")][1:]
    return np.array([[float(v) for v in l.strip().split(",")[1:]] for l in rows])
ours, theirs = surface(f"{out}/mpo.csv"), surface(f"{out}/torch.csv")
assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
t_mpo = float(re.search(r"in ([0-9.]+) s wall", open(f"{out}/mpo.txt").read()).group(1))
t_torch = float(re.search(r"seconds=([0-9.]+)", open(f"{out}/torch.txt").read()).group(1))
d = np.abs(ours - theirs)
print(f"mpo {t_mpo:.2f} s, pytorch {t_torch:.2f} s: mpo is {t_torch / t_mpo:.2f}x faster")
print(f"surfaces agree: max |dloss| {d.max():.3g} (mean {d.mean():.3g}; loss {ours.min():.3g}...{ours.max():.3g}), centre {ours[ours.shape[0] // 2, ours.shape[1] // 2]:.6g} vs {theirs[theirs.shape[0] // 2, theirs.shape[1] // 2]:.6g}")
PY
