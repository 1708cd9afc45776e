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
#                               [--eval-images N] [--label TEXT] [--results FILE] [-- mpo train flags]
#   scripts/steps-to-picture.sh --table FILE     (only the table of the runs recorded in FILE)
#
#   -p, --pattern    a shipped pattern name or .pbm path, repeatable (default: every shipped pattern)
#   -s, --seeds      seeds, comma-separated (default 1,2,3)
#   --steps          steps per run (default 1000)
#   --every          preview (evaluate) every K steps (default 25)
#   --at             steps whose whole-picture gap is reported (default 400,1000)
#   --threshold      the edge gap to reach (default 0.25)
#   --eval-images    test images per preview (default 500)
#   --label          a word for the variant column (default: the extra flags, or "default")
#   --logs DIR       keep each run's `mpo train` output in DIR (PATTERN-SEED-LABEL.log)
#   --results        append each run to this TSV (pattern, variant, seed, first step, whole gaps,
#                    seconds, CPU) and make the table from every run in it, so that runs made in
#                    several goes (two at once with -- --workers 1, or another day) add up
#   MPO_BINARY picks the binary (default .build/release/mpo); one line per run goes to stdout as
#   it ends, then the table with the medians over seeds, one row per pattern and variant.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${MPO_BINARY:-.build/release/mpo}")
patterns=() seeds=1,2,3 steps=1000 every=25 at=400,1000 threshold=0.25 images=500 label="" extra=() results="" table= logs=
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
    --results) results=$2; shift 2 ;;
    --logs) logs=$2; shift 2 ;;
    --table) table=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,28s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (--help)" >&2; exit 2 ;;
  esac
done
# The table of a results file: medians over seeds per pattern and variant ("-" counts as never:
# above any number).
print_table() {
  python3 - "$1" "$threshold" <<'PY'
import sys, statistics
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip() and not l.startswith("#")]
threshold = sys.argv[2]
by = {}
for r in rows: by.setdefault((r[0], r[1]), []).append(r)
at = sorted({a for r in rows for a in r[4].split(",")}, key=int)
def med(values, never):
    v = sorted(float("inf") if x == "-" else float(x) for x in values)
    if not v: return "n/a"
    m = v[len(v) // 2]
    return never if m == float("inf") else (f"{m:.0f}" if never == "-" else f"{m:.3f}")
print(f"{'pattern':<10} {'variant':<22} {'seeds':>5} {'steps to gap ' + threshold:>22}" + "".join(f" {'whole gap @' + a:>22}" for a in at))
for (p, variant), rs in sorted(by.items()):
    rs.sort(key=lambda r: int(r[2]))
    firsts = "/".join(r[3] for r in rs)
    cols = [f"{med([r[3] for r in rs], '-'):>5} ({firsts})"]
    for a in at:
        w = [dict(zip(r[4].split(","), r[5].split(","))).get(a, "-") for r in rs]
        known = [x for x in w if x != "-"]
        cols.append(f"{med(known, 'n/a'):>5} ({'/'.join(w)})")
    print(f"{p:<10} {variant[:22]:<22} {len(rs):>5} {cols[0]:>22}" + "".join(f" {c:>22}" for c in cols[1:]))
cpus = sorted({r[7] for r in rows if len(r) > 7})
print("cpu: " + "; ".join(cpus))
PY
}
if [ -n "$table" ]; then print_table "$table"; exit 0; fi
[ ${#patterns[@]} -gt 0 ] || patterns=($(ls Patterns/*.pbm | xargs -n1 basename | sed 's/\.pbm$//'))
[ -n "$label" ] || label=${extra[*]:-default}
[ -x "$bin" ] || { echo "no binary at $bin: swift build -c release first, or set MPO_BINARY" >&2; exit 1; }
out=$(mktemp -d /tmp/lp-stp.XXXXXX)
trap 'rm -rf "$out"' EXIT
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
echo "cpu: $cpu; load $(cut -d' ' -f1-3 /proc/loadavg); binary $bin"
echo "variant: $label; $steps steps, previews every $every over $images test images; threshold $threshold"
[ -n "$results" ] || results=$out/results.tsv
touch "$results"
for pattern in "${patterns[@]}"; do
  for seed in ${seeds//,/ }; do
    log=$out/$pattern-$seed.log
    start=$(date +%s)
    "$bin" train "$pattern" --seed "$seed" --steps "$steps" --preview-every "$every" --eval-images "$images" ${extra[@]+"${extra[@]}"} >"$log" 2>&1 \
      || { echo "run $pattern seed $seed failed:"; tail -3 "$log"; continue; }
    line=$(awk -v t="$threshold" -v at="$at" -v p="$pattern" -v s="$seed" -v label="$label" '
      BEGIN { n = split(at, want, ","); first = "-" }
      /^step [0-9]+: test gap/ {
        step = $2; sub(":", "", step); gap = $5
        for (i = 1; i <= NF; i++) if ($i == "whole") whole = $(i + 2)
        sub(",", "", whole)
        if (first == "-" && gap + 0 >= t) first = step
        w[step] = whole
      }
      END {
        printf "%s\t%s\t%s\t%s\t%s\t", p, label, s, first, at
        for (i = 1; i <= n; i++) printf "%s%s", (i > 1 ? "," : ""), (want[i] in w) ? w[want[i]] : "-"
      }' "$log")
    [ -z "$logs" ] || { mkdir -p "$logs"; cp "$log" "$logs/$pattern-$seed-${label//[^A-Za-z0-9.-]/_}.log"; }
    echo "$line	$(( $(date +%s) - start ))s	$cpu" | tee -a "$results" | awk -F'\t' '{ printf "run: %s (%s) seed %s: gap %s first at step %s; whole gap %s at %s (%s)\n", $1, $2, $3, "'"$threshold"'", $4, $6, $5, $7 }'
  done
done
echo
print_table "$results"
