#!/usr/bin/env bash
# Fuzzes the file readers with libFuzzer, one binary per reader.
#
#   scripts/fuzz.sh [SECONDS] [READER...]    default: 60 s for each of
#                                            pbm png idx idx-gz cifar safetensors checkpoint
#                                            checkpoint-config
#
# Each binary is Engine + MPO compiled with -sanitize=fuzzer,address at -O (bounds and
# overflow checks on, unlike the -Ounchecked release build, so an out-of-range read traps),
# the shared harness Tests/ReliabilityTests/Support/ReaderHarness.swift (with the gzip writer
# Tests/TestSupport/Gzip.swift) and the entry point Fuzz/<reader>.swift. It starts from the
# seed corpus Fuzz/corpus/<reader>/ (small real and hand-made files) and grows a working
# corpus under .build-fuzz/corpus/ (not committed).
# Inputs that break the contract (a trap, an ASan report, a timeout, an allocation over
# the limit, an error that is not DataError) are copied to Fuzz/crashes/<reader>/, which
# FuzzCorpusTests replays in `make test`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SECONDS_PER_READER=${1:-60}
shift || true
READERS=("$@")
[ ${#READERS[@]} -gt 0 ] || READERS=(pbm png idx idx-gz cifar safetensors checkpoint checkpoint-config)
TOOLS=${SWIFT_TOOLS:-/opt/swift/usr/bin}
[ -x "$TOOLS/swiftc" ] || TOOLS=$(dirname "$(command -v swiftc)")
# FUZZ_SOURCES: fuzz another copy of the sources (e.g. an older commit's); FUZZ_OUT: its build folder.
SRC=${FUZZ_SOURCES:-$ROOT/Sources}
OUT=${FUZZ_OUT:-$ROOT/.build-fuzz}
mkdir -p "$OUT/obj" "$OUT/mod" "$OUT/maps/CKernels" "$OUT/maps/CBLAS"

# The C targets, as SwiftPM builds them (module maps over their include/ folders).
for target in CKernels CBLAS; do
    printf 'module %s {\n    umbrella "%s"\n    export *\n}\n' "$target" "$SRC/$target/include" \
        > "$OUT/maps/$target/module.modulemap"
done
CFLAGS=(-Xcc -fmodule-map-file="$SRC/CZlib/module.modulemap"
        -Xcc -fmodule-map-file="$OUT/maps/CKernels/module.modulemap" -Xcc -I"$SRC/CKernels/include"
        -Xcc -fmodule-map-file="$OUT/maps/CBLAS/module.modulemap" -Xcc -I"$SRC/CBLAS/include")
SAN=(-sanitize=fuzzer,address -O -g -enable-testing)

stale() { # stale OUTPUT SOURCES...: true when OUTPUT is missing or older than a source
    local out=$1; shift
    [ ! -e "$out" ] && return 0
    [ -n "$(find "$@" -newer "$out" -print -quit)" ]
}

cobjs=()
for c in "$SRC"/CKernels/*.c "$SRC"/CBLAS/*.c; do
    o=$OUT/obj/$(basename "$c" .c).o
    if stale "$o" "$c" "$SRC/CKernels/include" "$SRC/CBLAS/include"; then
        "$TOOLS/clang" -c -O3 -fno-math-errno -fPIC -I "$SRC/CKernels/include" -I "$SRC/CBLAS/include" "$c" -o "$o"
    fi
    cobjs+=("$o")
done

module() { # module NAME SOURCE_DIR
    local name=$1 dir=$2
    if stale "$OUT/obj/$name.o" "$dir" "${@:3}"; then
        echo "fuzz.sh: compiling $name (instrumented)"
        "$TOOLS/swiftc" -module-name "$name" -parse-as-library -wmo -c "${SAN[@]}" "${CFLAGS[@]}" -I "$OUT/mod" \
            -emit-module -emit-module-path "$OUT/mod/$name.swiftmodule" \
            $(find "$dir" -name '*.swift' | sort) -o "$OUT/obj/$name.o" 2>&1 | grep -v 'warning:' || true
        [ -e "$OUT/obj/$name.o" ] || { echo "fuzz.sh: $name failed to compile" >&2; exit 1; }
    fi
}
module Engine "$SRC/Engine"
module MPO "$SRC/MPO" "$SRC/Engine"

# The harness and the one test helper it uses (gzip files, by zlib), compiled into each binary.
HARNESS=(Tests/ReliabilityTests/Support/ReaderHarness.swift Tests/TestSupport/Gzip.swift)
total_runs=0
summary=()
for reader in "${READERS[@]}"; do
    entry=Fuzz/$reader.swift
    [ -e "$entry" ] || { echo "fuzz.sh: no entry point $entry" >&2; exit 1; }
    bin=$OUT/fuzz-$reader
    if stale "$bin" "$entry" "${HARNESS[@]}" "$OUT/obj/Engine.o" "$OUT/obj/MPO.o"; then
        "$TOOLS/swiftc" -parse-as-library "${SAN[@]}" "${CFLAGS[@]}" -I "$OUT/mod" "$entry" "${HARNESS[@]}" \
            "$OUT/obj/Engine.o" "$OUT/obj/MPO.o" "${cobjs[@]}" -lz -ldl -o "$bin" 2>&1 \
            | grep -v 'Cannot export local symbol' || true
        [ -x "$bin" ] || { echo "fuzz.sh: linking $bin failed" >&2; exit 1; }
    fi
    work=$OUT/corpus/$reader artifacts=$OUT/artifacts/$reader
    mkdir -p "$work" "$artifacts" "Fuzz/corpus/$reader"
    dict=()
    [ -e "Fuzz/dict/$reader.dict" ] && dict=(-dict="Fuzz/dict/$reader.dict")
    log=$OUT/$reader.log
    echo "fuzz.sh: $reader for ${SECONDS_PER_READER}s (log $log)"
    # 1 GB per allocation and 2 GB in all: a reader needing more for a small input is a bug.
    set +e
    ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=0 "$bin" "$work" "Fuzz/corpus/$reader" "${dict[@]}" \
        -max_total_time="$SECONDS_PER_READER" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
        -max_len=65536 -artifact_prefix="$artifacts/" -print_final_stats=1 > "$log" 2>&1
    status=$?
    set -e
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    runs=${runs:-0}
    total_runs=$((total_runs + runs))
    found=0
    for a in "$artifacts"/*; do
        [ -e "$a" ] || continue
        mkdir -p "Fuzz/crashes/$reader"
        cp "$a" "Fuzz/crashes/$reader/$(basename "$a")"
        found=$((found + 1))
    done
    rm -f "$artifacts"/*
    summary+=("$(printf '%-12s %10s executions  %s' "$reader" "$runs" \
        "$([ $found -gt 0 ] && echo "FOUND $found input(s) -> Fuzz/crashes/$reader/ (exit $status)" || echo ok)")")
done
echo
printf '%s\n' "${summary[@]}"
echo "total: $total_runs executions"
for line in "${summary[@]}"; do [[ $line == *FOUND* ]] && exit 1; done
exit 0
