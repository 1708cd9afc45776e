#!/usr/bin/env bash
# Checks lp_gemm_f32 (Sources/CKernels/gemm_f32.c, gemm_f32_avx512.c) at every level the CPU runs
# against a double-precision reference, then times one level against OpenBLAS sgemm on the paper
# net's GEMM shapes, one thread on one core.
#
#   scripts/bench-gemm-f32.sh [all|check|bench] [ROUNDS] [LEVEL]   defaults: all, 7 rounds, avx512
#
# CC (default gcc) builds it; CORE (default 1) is the core it is pinned to; ONLY=text times only
# the shapes whose name contains it. OpenBLAS runs the kernels the app would pick for that level
# on one thread (SkylakeX at avx512, Haswell at avx2; BLAS_CORE overrides).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/.build/bench-gemm-f32"
mkdir -p "$OUT"
"${CC:-gcc}" -O3 -fno-math-errno -Wall -Wextra -Wno-unused-function -I "$ROOT/Sources/CKernels/include" \
    "$ROOT/scripts/bench_gemm_f32.c" "$ROOT/Sources/CKernels/gemm_f32.c" "$ROOT/Sources/CKernels/gemm_f32_avx512.c" "$ROOT/Sources/CKernels/scratch.c" \
    "$ROOT/Sources/CKernels/isa.c" -o "$OUT/bench_gemm_f32" -Wl,--no-as-needed -lopenblas -lm -lpthread
level=${3:-avx512}
core=$([[ $level == avx2 ]] && echo Haswell || echo SkylakeX)
export OPENBLAS_CORETYPE=${BLAS_CORE:-$core} OPENBLAS_NUM_THREADS=1
exec taskset -c "${CORE:-1}" "$OUT/bench_gemm_f32" "${1:-all}" "${2:-7}" "$level"
