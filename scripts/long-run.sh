#!/usr/bin/env bash
# An unattended headless run: `mpo train` with autosave for DURATION seconds (default 600) in a
# temporary project folder. Records the process's resident memory (VmRSS, /proc/PID/status)
# once training has started and at the end, keeps every saved version of the checkpoint (a
# hard link to each new file the atomic save renames into place, taken every EVERY seconds),
# and checks that every one of them loads (`mpo train --resume it --steps 0`).
#
#   scripts/long-run.sh [DURATION] [MPO_BINARY]     env: PRESET (tiny), AUTOSAVE (25 steps),
#                                                   EVERY (10 s), RSS_LIMIT_KB (growth allowed, 65536)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${1:-600}
BIN=${2:-${MPO_BINARY:-$ROOT/.build/release/mpo}}
PRESET=${PRESET:-tiny}
AUTOSAVE=${AUTOSAVE:-25}
RSS_LIMIT_KB=${RSS_LIMIT_KB:-65536}
EVERY=${EVERY:-10}
[ -x "$BIN" ] || { echo "long-run: no binary $BIN" >&2; exit 2; }

WORK=$(mktemp -d /tmp/lp-long-run.XXXXXX)
HOME_DIR=$WORK/home
mkdir -p "$HOME_DIR/Checkpoints" "$WORK/versions"
cp -r "$ROOT/Patterns" "$HOME_DIR/"
CHECKPOINT=$HOME_DIR/Checkpoints/long.safetensors
export LOSSPATTERNS_HOME=$HOME_DIR

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2> /dev/null; }
inode() { stat -c %i "$1" 2> /dev/null || echo 0; }

LOSSPATTERNS_HOME=$HOME_DIR "$BIN" train ring --preset "$PRESET" --steps 100000000 --save long --autosave "$AUTOSAVE" \
    --preview-every 0 --eval-images 100 > "$WORK/train.log" 2>&1 &
PID=$!
trap 'kill $PID 2> /dev/null' EXIT

# Training has started once the first checkpoint exists.
until [ -e "$CHECKPOINT" ]; do
    kill -0 $PID 2> /dev/null || { echo "long-run: mpo train exited early:"; tail -5 "$WORK/train.log"; exit 1; }
    sleep 0.2
done
START=$SECONDS
RSS_START=$(rss $PID)
echo "long-run: pid $PID, $PRESET preset, autosave every $AUTOSAVE steps, ${DURATION}s; RSS at start ${RSS_START} kB (folder $WORK)"
versions=0 last=0 peak=$RSS_START
while ((SECONDS - START < DURATION)); do
    kill -0 $PID 2> /dev/null || { echo "long-run: FAIL: mpo train died:"; tail -5 "$WORK/train.log"; exit 1; }
    now=$(inode "$CHECKPOINT")
    if [ "$now" != "$last" ] && [ "$now" != 0 ]; then
        # A hard link keeps this very file even after the next save replaces the name.
        ln "$CHECKPOINT" "$WORK/versions/v$(printf %04d $versions).safetensors" 2> /dev/null && versions=$((versions + 1))
        last=$now
    fi
    r=$(rss $PID)
    ((r > peak)) && peak=$r
    sleep "$EVERY"
done
RSS_END=$(rss $PID)
STEP_LINE=$(grep '^step ' "$WORK/train.log" | tail -2 | head -1)  # the last line may be cut mid-write
kill -TERM $PID
wait $PID 2> /dev/null
trap - EXIT

failures=0
for v in "$WORK"/versions/*.safetensors; do
    if ! "$BIN" train --resume "$v" --steps 0 --preview-every 0 --eval-images 10 > "$WORK/check.log" 2>&1; then
        echo "long-run: FAIL: $v does not load:"
        tail -3 "$WORK/check.log"
        failures=$((failures + 1))
    fi
done
"$BIN" train --resume "$CHECKPOINT" --steps 0 --preview-every 0 --eval-images 10 > "$WORK/check.log" 2>&1 \
    || { echo "long-run: FAIL: the last checkpoint does not load"; failures=$((failures + 1)); }
echo "long-run: ${DURATION}s, last progress: ${STEP_LINE:-none}"
echo "long-run: RSS start ${RSS_START} kB, end ${RSS_END} kB (drift $((RSS_END - RSS_START)) kB), peak ${peak} kB"
echo "long-run: $versions saved versions checked, $failures failed to load"
((RSS_END - RSS_START > RSS_LIMIT_KB)) && { echo "long-run: FAIL: memory grew more than $RSS_LIMIT_KB kB"; failures=$((failures + 1)); }
((versions > 0)) || { echo "long-run: FAIL: no checkpoint versions"; failures=$((failures + 1)); }
((failures == 0)) && rm -rf "$WORK"
exit $((failures > 0))
