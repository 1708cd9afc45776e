#!/usr/bin/env bash
# How fast the explorer answers keys while it trains: in a private tmux server, start the
# explorer on the default pattern, wait until it is training, then N times press `c` (next colour
# map) and poll the screen until the side panel shows the change. Prints the median and maximum
# key-to-screen time. It includes tmux's own send/capture time (a few ms per poll), so it is an
# upper bound on the explorer's latency.
#
#   scripts/key-latency.sh [N]        default 40 presses; MPO_BINARY picks the binary
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${MPO_BINARY:-.build/release/mpo}")
n=${1:-40}
sock=lp-latency-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null || true' EXIT
tm new-session -d -s t -x 140 -y 45 "SWIFT_BACKTRACE=interactive=no $bin explore"
colours() { tm capture-pane -p -t t | grep -o 'colours   [a-z]*' || true; }
step() { tm capture-pane -p -t t | sed -n 's/.*step  *\([0-9,]*\)  training.*/\1/p' | tr -d , | head -1; }

deadline=$((SECONDS + 120))
until [ "$(step)" -gt 20 ] 2>/dev/null; do
  [ $SECONDS -lt $deadline ] || { echo "explorer did not start training within 120 s" >&2; tm capture-pane -p -t t >&2; exit 1; }
  sleep 0.2
done
first=$(step)
start=$SECONDS

# What tmux alone costs under the same load: a command round trip plus one screen poll.
overhead=()
for _ in $(seq 15); do
  t0=$(date +%s%N)
  tm display -p -t t '#{pane_pid}' >/dev/null
  colours >/dev/null
  overhead+=($(( ($(date +%s%N) - t0) / 1000 )))
  sleep 0.1
done
tmux_ms=$(printf '%s\n' "${overhead[@]}" | sort -n | awk '{ t[NR] = $1 } END { printf "%.1f", t[int((NR + 1) / 2)] / 1000 }')

times=()
for _ in $(seq "$n"); do
  before=$(colours)
  t0=$(date +%s%N)
  tm send-keys -t t c
  until [ "$(colours)" != "$before" ]; do
    [ $(( $(date +%s%N) - t0 )) -lt 5000000000 ] || { echo "no answer to a key within 5 s" >&2; exit 1; }
  done
  times+=($(( ($(date +%s%N) - t0) / 1000 )))
  sleep 0.$((RANDOM % 3 + 1))   # land at different moments of the training and map cycles
done
last=$(step)
printf '%s\n' "${times[@]}" | sort -n | awk -v n="$n" -v steps=$((last - first)) -v secs=$((SECONDS - start)) -v tmux_ms="$tmux_ms" '
  { t[NR] = $1 }
  END { printf "%d keys while training (%d steps in %d s): median %.1f ms, max %.1f ms key to screen; of that, tmux alone: median %s ms per send + poll\n",
               n, steps, secs, t[int((NR + 1) / 2)] / 1000, t[NR] / 1000, tmux_ms }'
