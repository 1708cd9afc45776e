#!/usr/bin/env bash
# The top two eigenvalues of a model's loss Hessian computed twice on this machine: by `mpo hessian`
# (exact Hessian-vector products, Lanczos) and by scripts/hessian-pytorch.py (PyHessian's way:
# double backward, power iteration with deflation). Same model file, same first N test images;
# prints both wall times of the Hessian's work, the ratio, the products each needed, and the
# eigenvalues side by side.
# It builds nothing: MPO_BINARY (default .build/release/mpo) and PYTHON (default .venv/bin/python,
# else ../main/.venv/bin/python) say what runs.
# Usage: scripts/hessian-vs-pytorch.sh [MODEL.safetensors] [extra mpo hessian flags]
#   without MODEL: fits the paper net for 200 steps first.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${MPO_BINARY:-.build/release/mpo}
python=${PYTHON:-}
if [ -z "$python" ]; then for p in .venv/bin/python ../main/.venv/bin/python; do [ -x "$p" ] && { python=$p; break; }; done; fi
images=${IMAGES:-1000}
out=${OUT:-hessian-vs-pytorch}
[ -x "$bin" ] || { echo "error: no mpo binary at $bin (swift build -c release, or set MPO_BINARY)" >&2; exit 1; }
[ -n "$python" ] && [ -x "$python" ] || { echo "error: no PyTorch python (make venv, or set PYTHON)" >&2; exit 1; }
mkdir -p "$out"
model=${1:-}
[ $# -gt 0 ] && shift
if [ -z "$model" ]; then
  model=$out/model.safetensors
  [ -f "$model" ] || "$bin" fit --net paper --steps 200 --trajectory-every 0 --test-images 1000 --save "$model" | tail -1
fi
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; model $model; $images test images"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$bin" hessian "$model" --eval-images "$images" --split test --top 2 --json "$@" > "$out/mpo.json"
echo "load between: $(cut -d' ' -f1-3 /proc/loadavg)"
"$python" scripts/hessian-pytorch.py "$model" --images "$images" --split test --top 2 | tee "$out/torch.txt" | grep -v '^RESULT'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
"$python" - "$out" <<'PY'
import json, re, sys
out = sys.argv[1]
ours = json.load(open(f"{out}/mpo.json"))
text = open(f"{out}/torch.txt").read()
t_torch = float(re.search(r"seconds=([0-9.]+)", text).group(1))
n_torch = int(re.search(r"products=([0-9]+)", text).group(1))
theirs = [float(v) for v in re.search(r"eigenvalues=(\S+)", text).group(1).split(",")]
t_mpo, n_mpo = ours["seconds"], ours["hessian_vector_products"]
print(f"mpo: eigenvalues {', '.join(f'{v:.6g}' for v in ours['eigenvalues'])}; {n_mpo} products in {t_mpo:.2f} s ({t_mpo / n_mpo:.3f} s each)")
print(f"mpo {t_mpo:.2f} s, pytorch {t_torch:.2f} s: mpo is {t_torch / t_mpo:.2f}x faster "
      f"(per product {t_torch / n_torch / (t_mpo / n_mpo):.2f}x, products {n_torch} against {n_mpo})")
print("eigenvalues differ by " + ", ".join(f"{abs(a - b) / abs(a):.2e}" for a, b in zip(ours["eigenvalues"], theirs)) + " relative")
PY
