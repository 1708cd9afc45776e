#!/usr/bin/env bash
# Side by side on this machine, in one go: the PyTorch reference of the same algorithm
# (../shared/reference/ref_mpo.py, paper preset and live-sized) and then `mpo bench --reference`
# with its figures, so every ratio is taken against PyTorch on the same CPU in the same session.
# PyTorch comes from the project's virtual environment (.venv, made by `make venv`), or $PYTHON.
# Usage: scripts/bench-vs-pytorch.sh [extra mpo bench flags]   (output: bench-vs-pytorch/)
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
ref=${REFERENCE:-../shared/reference/ref_mpo.py}
bin=${MPO_BINARY:-.build/release/mpo}
out=bench-vs-pytorch
mkdir -p "$out"
[ -x "$python" ] || { echo "error: no PyTorch python at $python (make venv, or set PYTHON)" >&2; exit 1; }
[ -f "$ref" ] || { echo "error: no reference script at $ref (set REFERENCE)" >&2; exit 1; }
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'); load: $(cut -d' ' -f1-3 /proc/loadavg)"
# The platform may set OPENBLAS_CORETYPE for old numpy builds; PyTorch uses its own kernels (MKL/oneDNN).
# PyTorch at its best: fp32, and bf16 autocast too where the CPU has bf16 arithmetic (AVX512-BF16
# or AMX); mpo bench --reference takes the faster run of each preset.
variants=("")
grep -q -w -e avx512_bf16 -e amx_bf16 /proc/cpuinfo && variants+=("--bf16")
{
  for v in "${variants[@]}"; do
    echo "# PyTorch ${v:-fp32}"
    "$python" "$ref" bench --batch 512 --cells 50 --steps 4 --eval-n 500 $v
    "$python" "$ref" bench --batch 64 --cells 32 --steps 8 --eval-n 256 $v
  done
} | tee "$out/pytorch.txt" | grep -E '^(#|RESULT|EVAL)'
"$bin" bench --reference "$out/pytorch.txt" "$@" | tee "$out/mpo-bench.txt"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
