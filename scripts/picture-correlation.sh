#!/usr/bin/env bash
# Does the live picture follow the fit? In a private tmux server, start `mpo explore PATTERN`, and
# at the given seconds capture the screen with its colours and print the Pearson correlation of
# the map's darkness (1 - luminance, averaged over each pattern cell) with the pattern's bits
# (black = 1), beside the step and the panel's gap (scripts/picture_correlation.py reads the
# capture). Also prints the CPU model and the load average (other work slows the explorer).
#
#   scripts/picture-correlation.sh [-p PATTERN]... [--at S,S,...] [-n RUNS] [--size WxH] [--keep DIR] [-- explore flags]
#
#   -p, --pattern   a shipped pattern name or .pbm path; repeat for several (default: heart)
#   --at            seconds after launch to measure at (default 30,60,120)
#   -n, --runs      runs per pattern (default 1)
#   --size          terminal size (default 120x40)
#   --keep          keep the captures there (PATTERN-runN-Ss.txt; ../shared/tools/capture_png.py draws them)
#   MPO_BINARY picks the binary (default .build/release/mpo).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${MPO_BINARY:-.build/release/mpo}")
helper=$(realpath scripts/picture_correlation.py)
patterns=() at=30,60,120 runs=1 size=120x40 keep="" extra=()
while [ $# -gt 0 ]; do
  case $1 in
    -p|--pattern) patterns+=("$2"); shift 2 ;;
    --at) at=$2; shift 2 ;;
    -n|--runs) runs=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,15s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (--help)" >&2; exit 2 ;;
  esac
done
[ ${#patterns[@]} -gt 0 ] || patterns=(heart)
width=${size%x*} height=${size#*x}
IFS=, read -r -a times <<<"$at"
[ -x "$bin" ] || { echo "no binary at $bin: swift build -c release first, or set MPO_BINARY" >&2; exit 1; }
[ -z "$keep" ] || mkdir -p "$keep"

sock=lp-pc-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
# A private project folder (the shipped patterns, an empty Checkpoints/), as scripts/time-to-picture.sh.
home=$(mktemp -d /tmp/lp-pc.XXXXXX)
cp -r Patterns "$home/Patterns"
mkdir -p "$home/Checkpoints"
trap 'tm kill-server 2>/dev/null || true; sleep 1; rm -rf "$home" 2>/dev/null || rm -rf "$home" 2>/dev/null || true' EXIT
now() { date +%s.%N; }

echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1) (model $(lscpu | sed -n 's/^Model: *//p' | head -1)); $(nproc) cores"
echo "binary: $bin; terminal ${width}x${height}; at ${at} s; flags: ${extra[*]:-none}"
printf '%-8s %3s %6s %6s %7s %6s %6s %6s  %-8s %s\n' pattern run seconds step gap corr dark-b dark-w load map
for pattern in "${patterns[@]}"; do
  case $pattern in */*|*.pbm) arg=$(realpath "$pattern"); pbm=$arg ;; *) arg=$pattern; pbm=Patterns/$pattern.pbm ;; esac
  [ -f "$pbm" ] || { echo "no pattern file $pbm" >&2; exit 1; }
  for run in $(seq "$runs"); do
    tm kill-server 2>/dev/null || true
    rm -rf "$home/Checkpoints/recovery"
    t0=$(now)
    tm new-session -d -s t -x "$width" -y "$height" \
      "env TERM=xterm-256color LANG=C.UTF-8 SWIFT_BACKTRACE=interactive=no LOSSPATTERNS_HOME=$home $bin explore $arg ${extra[*]:-}; sleep 5"
    for t in "${times[@]}"; do
      while awk -v e="$(echo "$(now) - $t0" | bc)" -v t="$t" 'BEGIN { exit !(e < t) }'; do sleep 0.1; done
      load=$(cut -d' ' -f1 /proc/loadavg)
      capture=$(mktemp "$home/capture.XXXXXX")
      tm capture-pane -p -e -t t >"$capture" 2>/dev/null || true
      seconds=$(echo "$(now) - $t0" | bc)
      [ -z "$keep" ] || cp "$capture" "$keep/$(basename "$pbm" .pbm)-run$run-${t}s.txt"
      line=$(python3 "$helper" "$capture" "$pbm" --size "${width}x${height}")
      get() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$line"; }
      map=$(tm capture-pane -p -t t 2>/dev/null | grep -o 'map  *[0-9]*x[0-9]* x [^│|]*' | head -1 | sed 's/^map  *//; s/  *$//' || true)
      printf '%-8s %3d %6.1f %6s %7s %6s %6s %6s  %-8s %s\n' "$(basename "$pbm" .pbm)" "$run" "$seconds" "$(get step)" \
        "$(get gap)" "$(get corr)" "$(get dark_black)" "$(get dark_white)" "$load" "${map:-?}"
      grep -o 'warning=.*' <<<"$line" || true
    done
    tm kill-server 2>/dev/null || true
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
