#!/usr/bin/env bash
# Checks lp_gemm_bf16 (Sources/CKernels/gemm_bf16.c) against a double-precision reference on
# every transpose combination and odd/edge sizes, then times it against OpenBLAS sgemm on the
# network's GEMM shapes, one thread on one core.
#
#   scripts/bench-gemm-bf16.sh [ROUNDS]     default 7 rounds (the median is reported)
#
# CC (default gcc) builds it; CORE (default 1) is the core it is pinned to. OpenBLAS runs its
# SkylakeX kernels on one thread, as the app does (lp_blas.h explains the CORETYPE override);
# an OPENBLAS_CORETYPE already in the environment is overridden, BLAS_CORE picks another.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/.build/bench-gemm-bf16"
mkdir -p "$OUT"
"${CC:-gcc}" -O3 -fno-math-errno -Wall -Wextra -I "$ROOT/Sources/CKernels/include" \
    "$ROOT/scripts/bench_gemm_bf16.c" "$ROOT/Sources/CKernels/gemm_bf16.c" "$ROOT/Sources/CKernels/scratch.c" \
    -o "$OUT/bench_gemm_bf16" -lopenblas -lm -lpthread
export OPENBLAS_CORETYPE=${BLAS_CORE:-SkylakeX} OPENBLAS_NUM_THREADS=1
exec taskset -c "${CORE:-1}" "$OUT/bench_gemm_bf16" "${1:-7}"
