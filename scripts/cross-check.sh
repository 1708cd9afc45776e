#!/usr/bin/env bash
# The C kernels on aarch64, tested on this x86-64 machine: every C file of Sources/CKernels and
# Sources/CBLAS cross-compiled with gcc-aarch64-linux-gnu (no x86 intrinsic or target attribute
# may survive the preprocessor outside x86 guards), linked with Tests/CrossArch/kernel_check.c and
# run under qemu-aarch64 (portable and NEON levels against a double-precision reference); then
# the same driver built natively and run (portable, avx2, avx512... as the CPU has them).
# Usage: scripts/cross-check.sh [aarch64|native|all]   (default all; make test runs it)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
out=.build-cross
mkdir -p "$out"
sources=(Sources/CKernels/*.c Sources/CBLAS/blas_loader.c)
includes=(-ISources/CKernels/include -ISources/CBLAS/include)
flags=(-O3 -fno-math-errno -std=gnu11 -Wall -Wno-unused-function)

if [[ $what == all || $what == aarch64 ]]; then
  cc=aarch64-linux-gnu-gcc
  command -v $cc >/dev/null || { echo "error: $cc missing (apt-get install gcc-aarch64-linux-gnu qemu-user)" >&2; exit 1; }
  command -v qemu-aarch64 >/dev/null || { echo "error: qemu-aarch64 missing (apt-get install qemu-user)" >&2; exit 1; }
  leaks=0
  for f in "${sources[@]}"; do
    if $cc -E "${includes[@]}" "$f" | grep -nE '__m(128|256|512)|_mm(256|512)?_[a-z]|immintrin|target *\( *"(avx|sse|fma)|target_clones' >"$out/leak.txt"; then
      echo "FAIL $f: x86-only code outside an x86 guard:"; head -3 "$out/leak.txt"; leaks=1
    fi
  done
  [[ $leaks == 0 ]] || exit 1
  echo "aarch64: no x86 intrinsics or attributes outside x86 guards in ${#sources[@]} C files"
  $cc "${flags[@]}" "${includes[@]}" -static "${sources[@]}" Tests/CrossArch/kernel_check.c -lm -ldl -o "$out/kernel_check-aarch64" 2>"$out/cc-aarch64.log" \
    || { cat "$out/cc-aarch64.log"; exit 1; }
  grep -v "statically linked applications requires at runtime" "$out/cc-aarch64.log" | grep -i warning && { echo "warnings above (aarch64)"; exit 1; } || true
  qemu-aarch64 "$out/kernel_check-aarch64" > "$out/aarch64.txt" || { grep -v '^ok' "$out/aarch64.txt"; exit 1; }
  grep -E '^(kernel check|skip)' "$out/aarch64.txt"; tail -1 "$out/aarch64.txt"
fi
if [[ $what == all || $what == native ]]; then
  gcc "${flags[@]}" "${includes[@]}" "${sources[@]}" Tests/CrossArch/kernel_check.c -lm -ldl -o "$out/kernel_check-native" 2>"$out/cc-native.log" \
    || { cat "$out/cc-native.log"; exit 1; }
  "$out/kernel_check-native" > "$out/native.txt" || { grep -v '^ok' "$out/native.txt"; exit 1; }
  grep -E '^(kernel check|skip)' "$out/native.txt"; tail -1 "$out/native.txt"
fi
