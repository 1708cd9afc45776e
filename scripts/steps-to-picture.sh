#!/usr/bin/env bash
# Steps to the picture, headless (issue "A picture in seconds", item 3): for each pattern and
# seed, `mpo train` with test previews every K steps, then a table of
#   - the first preview step whose test gap on the trained edge cells reaches the threshold
#     (the explorer's panel gap; "-" if none did),
#   - the whole-picture test gap (all black cells minus all white, interiors included) at the
#     steps named with --at.
# Steps do not depend on the CPU; the time per step does (see time-to-picture.sh).
#
#   scripts/steps-to-picture.sh [-p PATTERN]... [-s SEEDS] [--steps N] [--every K] [--at S1,S2]
#                               [--eval-images N] [--label TEXT] [-- mpo train flags]
#
#   -p, --pattern    a shipped pattern name or .pbm path, repeatable (default: every shipped pattern)
#   -s, --seeds      seeds, comma-separated (default 1,2,3)
#   --steps          steps per run (default 1000)
#   --every          preview (evaluate) every K steps (default 25)
#   --at             steps whose whole-picture gap is reported (default 400,1000)
#   --threshold      the edge gap to reach (default 0.25)
#   --eval-images    test images per preview (default 500)
#   --label          a word for the variant column (default: the extra flags, or "default")
#   MPO_BINARY picks the binary (default .build/release/mpo); one line per run goes to stdout as
#   it ends, then the table with the medians over seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${MPO_BINARY:-.build/release/mpo}")
patterns=() seeds=1,2,3 steps=1000 every=25 at=400,1000 threshold=0.25 images=500 label="" extra=()
while [ $# -gt 0 ]; do
  case $1 in
    -p|--pattern) patterns+=("$2"); shift 2 ;;
    -s|--seeds) seeds=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --every) every=$2; shift 2 ;;
    --at) at=$2; shift 2 ;;
    --threshold) threshold=$2; shift 2 ;;
    --eval-images) images=$2; shift 2 ;;
    --label) label=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,22s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (--help)" >&2; exit 2 ;;
  esac
done
[ ${#patterns[@]} -gt 0 ] || patterns=($(ls Patterns/*.pbm | xargs -n1 basename | sed 's/\.pbm$//'))
[ -n "$label" ] || label=${extra[*]:-default}
[ -x "$bin" ] || { echo "no binary at $bin: swift build -c release first, or set MPO_BINARY" >&2; exit 1; }
out=$(mktemp -d /tmp/lp-stp.XXXXXX)
trap 'rm -rf "$out"' EXIT
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1); load $(cut -d' ' -f1-3 /proc/loadavg); binary $bin"
echo "variant: $label; $steps steps, previews every $every over $images test images; threshold $threshold"
results=$out/results.tsv
for pattern in "${patterns[@]}"; do
  for seed in ${seeds//,/ }; do
    log=$out/$pattern-$seed.log
    start=$(date +%s)
    "$bin" train "$pattern" --seed "$seed" --steps "$steps" --preview-every "$every" --eval-images "$images" ${extra[@]+"${extra[@]}"} >"$log" 2>&1 \
      || { echo "run $pattern seed $seed failed:"; tail -3 "$log"; continue; }
    line=$(awk -v t="$threshold" -v at="$at" -v p="$pattern" -v s="$seed" '
      BEGIN { n = split(at, want, ","); first = "-" }
      /^step [0-9]+: test gap/ {
        step = $2; sub(":", "", step); gap = $5
        for (i = 1; i <= NF; i++) if ($i == "whole") whole = $(i + 2)
        sub(",", "", whole)
        if (first == "-" && gap + 0 >= t) first = step
        w[step] = whole
      }
      END {
        printf "%s\t%s\t%s", p, s, first
        for (i = 1; i <= n; i++) printf "\t%s", (want[i] in w) ? w[want[i]] : "-"
        printf "\n"
      }' "$log")
    echo "$line	$(( $(date +%s) - start ))s" | tee -a "$results" | awk -F'\t' '{ printf "run: %s seed %s: gap %s first at step %s; whole gap", $1, $2, "'"$threshold"'", $3; for (i = 4; i < NF; i++) printf " %s", $i; printf " (%s)\n", $NF }'
  done
done
echo
printf "%-10s %-16s %8s %18s" pattern variant seeds "steps to gap $threshold"
for s in ${at//,/ }; do printf " %14s" "whole gap @$s"; done; echo
# Medians over seeds ("-" counts as never: above any number).
python3 - "$results" "$label" "$at" <<'PY'
import sys, statistics
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
label, at = sys.argv[2], sys.argv[3].split(",")
by = {}
for r in rows: by.setdefault(r[0], []).append(r)
def med(values, never):
    v = sorted(float("inf") if x == "-" else float(x) for x in values)
    m = v[len(v) // 2]
    return never if m == float("inf") else (f"{m:.0f}" if never == "-" else f"{m:.3f}")
for p, rs in by.items():
    cols = [med([r[2] for r in rs], "-")] + [med([r[3 + i] for r in rs], "n/a") for i in range(len(at))]
    firsts = "/".join(r[2] for r in rs)
    wholes = ["/".join(r[3 + i] for r in rs) for i in range(len(at))]
    print(f"{p:<10} {label[:16]:<16} {len(rs):>8} {cols[0]:>7} ({firsts})" + "".join(f" {c:>6} ({w})" for c, w in zip(cols[1:], wholes)))
PY
