#!/usr/bin/env bash
# Times the layout kernels (im2col/col2im, the fused pool epilogue, the adaptive pool) of one
# paper-net training step at batch 512, as Conv2D calls them, at each level given; medians.
#
#   scripts/bench-layout.sh [ROUNDS] [LEVEL...]   defaults: 15 rounds, the CPU's level
#
# CC (default gcc) builds it with every C file of Sources/CKernels; CORE pins it to one core
# (default: not pinned). Times are thread CPU time, so a loaded machine inflates them less.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/.build/bench-layout"
mkdir -p "$OUT"
"${CC:-gcc}" -O3 -fno-math-errno -std=gnu11 -Wall -Wextra -Wno-unused-function -I "$ROOT/Sources/CKernels/include" \
    "$ROOT/scripts/bench_layout.c" "$ROOT"/Sources/CKernels/*.c -o "$OUT/bench_layout" -lm -lpthread
run=("$OUT/bench_layout" "${1:-15}" "${@:2}")
[[ -n ${CORE:-} ]] && run=(taskset -c "$CORE" "${run[@]}")
exec "${run[@]}"
