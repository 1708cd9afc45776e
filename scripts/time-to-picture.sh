#!/usr/bin/env bash
# Seconds from launching the explorer until its picture is recognisable: in a private tmux
# server, start `mpo explore PATTERN`, poll the side panel, and print when its pattern gap (test
# accuracy on the black minus the white edge cells) first reaches the threshold. Also prints the
# CPU model and the load average before each run (other work on the machine slows the explorer).
#
#   scripts/time-to-picture.sh [-p PATTERN]... [-n RUNS] [-t GAP] [--timeout S] [--size WxH] [-- explore flags]
#
#   -p, --pattern   a shipped pattern name or .pbm path; repeat for several (default: heart)
#   -n, --runs      runs per pattern (default 3)
#   -t, --threshold the gap to reach (default 0.25)
#   --timeout       give up on a run after this many seconds (default 300)
#   --size          terminal size (default 120x40)
#   MPO_BINARY picks the binary (default .build/release/mpo).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${MPO_BINARY:-.build/release/mpo}")
patterns=() runs=3 threshold=0.25 timeout=300 size=120x40 extra=()
while [ $# -gt 0 ]; do
  case $1 in
    -p|--pattern) patterns+=("$2"); shift 2 ;;
    -n|--runs) runs=$2; shift 2 ;;
    -t|--threshold) threshold=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,14s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (--help)" >&2; exit 2 ;;
  esac
done
[ ${#patterns[@]} -gt 0 ] || patterns=(heart)
width=${size%x*} height=${size#*x}
[ -x "$bin" ] || { echo "no binary at $bin: swift build -c release first, or set MPO_BINARY" >&2; exit 1; }

sock=lp-ttp-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
# Each run gets a private project folder of its own (the shipped patterns, an empty
# Checkpoints/): a run's recovery files never reach the real one, and no earlier run's recovery
# offer stops a run at its start. One folder per run, not one emptied between runs: a killed
# explorer brings its recovery files up to date as it exits, and one that was still writing when
# the next run started made that run open paused on the recovery offer (a run that "never
# reached the gap").
homes=$(mktemp -d /tmp/lp-ttp.XXXXXX)
# (the explorer may still be writing a recovery file as it is killed: wait a moment for it)
trap 'tm kill-server 2>/dev/null || true; sleep 1; rm -rf "$homes" 2>/dev/null || rm -rf "$homes" 2>/dev/null || true' EXIT
now() { date +%s.%N; }

echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1); $(nproc) cores; $(grep -o -m1 -w 'avx512f' /proc/cpuinfo || echo 'no avx512')"
echo "binary: $bin; threshold: gap >= $threshold; terminal ${width}x${height}; flags: ${extra[*]:-none}"
for pattern in "${patterns[@]}"; do
  results=()
  for run in $(seq "$runs"); do
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    tm kill-server 2>/dev/null || true
    home=$homes/$(basename "$pattern" .pbm)-$run
    mkdir -p "$home/Checkpoints"
    cp -r Patterns "$home/Patterns"
    case $pattern in */*|*.pbm) arg=$(realpath "$pattern") ;; *) arg=$pattern ;; esac
    t0=$(now)
    tm new-session -d -s t -x "$width" -y "$height" \
      "env TERM=xterm-256color LANG=C.UTF-8 SWIFT_BACKTRACE=interactive=no LOSSPATTERNS_HOME=$home $bin explore $arg ${extra[*]:-}; sleep 5"
    seconds="" step="" gap="" first=""
    while :; do
      screen=$(tm capture-pane -p -t t 2>/dev/null || true)
      elapsed=$(echo "$(now) - $t0" | bc)
      # the panel row: "gap       0.351 @300 <sparkline>"
      line=$(grep -o 'gap  *-\{0,1\}[0-9.]* @[0-9,]*' <<<"$screen" | head -1 || true)
      if [ -n "$line" ]; then
        gap=$(awk '{ print $2 }' <<<"$line")
        step=$(awk '{ sub("@", "", $3); gsub(",", "", $3); print $3 }' <<<"$line")
        [ -n "$first" ] || first=$elapsed
        if awk -v g="$gap" -v t="$threshold" 'BEGIN { exit !(g >= t) }'; then seconds=$elapsed; break; fi
      fi
      if awk -v e="$elapsed" -v t="$timeout" 'BEGIN { exit !(e >= t) }'; then break; fi
      sleep 0.2
    done
    speed=$(grep -o 'speed  *[0-9.]* steps/s' <<<"$screen" | awk '{ print $2 }' || true)
    sized=$(grep -o 'sized  *[^│|]*' <<<"$screen" | head -1 | sed 's/^sized  *//; s/  *$//' || true)
    map=$(grep -o 'map  *[0-9]*x[0-9]* x [^│|]*' <<<"$screen" | head -1 | sed 's/^map  *//; s/  *$//' || true)
    live="${sized:+$sized; }$map"
    tm kill-server 2>/dev/null || true
    if [ -n "$seconds" ]; then
      printf '%-10s run %d: %6.1f s to gap %s (step %s; first gap shown at %.1f s; %s steps/s%s) load %s\n' \
        "$pattern" "$run" "$seconds" "$gap" "$step" "$first" "${speed:-?}" "${live:+; $live}" "$load"
      results+=("$seconds")
    else
      printf '%-10s run %d: not reached in %s s (last gap %s at step %s) load %s\n' "$pattern" "$run" "$timeout" "${gap:--}" "${step:--}" "$load"
      # what the screen last showed, to tell a slow fit from a run that never started
      printf '%s\n' "$screen" | sed -n '1,6p;$p' | sed 's/^/    | /'
    fi
  done
  if [ ${#results[@]} -gt 0 ]; then
    printf '%s\n' "${results[@]}" | sort -n | awk -v p="$pattern" -v n="$runs" '
      { t[NR] = $1 } END { printf "%-10s median %.1f s, min %.1f, max %.1f (%d of %d runs reached it)\n", p, t[int((NR + 1) / 2)], t[1], t[NR], NR, n }'
  fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
