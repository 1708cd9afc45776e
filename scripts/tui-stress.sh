#!/usr/bin/env bash
# The explorer under stress, in a private tmux server (recipe: TUI-TESTING.md): while it trains,
# resize the window rapidly and type thousands of random keys (mouse reports and broken escape
# sequences included), under several terminals; it must keep running, then quit cleanly (q,
# answering the unsaved-steps prompt) with the terminal restored (alternate screen off).
#
#   scripts/tui-stress.sh [MPO_BINARY]      env: KEYS (2000 per run), RESIZES (50 per run),
#                                           SEED, KEEP=1 keeps the temp folder
# Runs: TERM=xterm-256color with UTF-8, TERM=vt100, TERM=linux, and TERM=xterm-256color with
# no locale at all (LANG/LC_* unset). Exit status 0 when every run passed.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-${MPO_BINARY:-$ROOT/.build/release/mpo}}
KEYS=${KEYS:-2000}
RESIZES=${RESIZES:-50}
RANDOM=${SEED:-$$}
[ -x "$BIN" ] || { echo "tui-stress: no binary $BIN" >&2; exit 2; }
command -v tmux > /dev/null || { echo "tui-stress: tmux is not installed" >&2; exit 2; }

WORK=$(mktemp -d /tmp/lp-tui-stress.XXXXXX)
SOCKET=lp-stress-$$
T="tmux -L $SOCKET -f /dev/null"
cleanup() { $T kill-server 2> /dev/null; [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$WORK/home/Checkpoints"
cp -r "$ROOT/Patterns" "$WORK/home/"

screen() { $T capture-pane -p -t t 2> /dev/null; }
wait_for() { # wait_for TEXT [SECONDS]
    local end=$((SECONDS + ${2:-20}))
    until screen | grep -qF -- "$1"; do
        ((SECONDS < end)) || return 1
        sleep 0.05
    done
}
fail() { echo "tui-stress: FAIL ($1): $2"; echo "--- screen ---"; screen; echo "---"; failures=$((failures + 1)); }

# Keys a person could press, by tmux name; never q/Q (quit), C-c, C-z, C-\ (signals) or C-s/C-q (flow control).
NAMED=(Up Down Left Right S-Up S-Down S-Left S-Right C-Up C-Down PageUp PageDown Home End Escape Enter Space Tab BTab
       BSpace DC IC F1 F2 F5 F10 F12 M-x M-Enter C-a C-e C-l C-u C-w C-k)
CHARS='abcdefghijklmnoprstuvwxyzABCDEFGHIJKLMNOPRSTUVWXYZ0123456789+-=_?/.,:[]{}()<>!@#$%^&*~|'  # ; separates tmux commands
random_key() {
    local r=$((RANDOM % 100))
    if ((r < 55)); then
        printf '%s' "${CHARS:$((RANDOM % ${#CHARS})):1}"
    elif ((r < 90)); then
        printf '%s' "${NAMED[$((RANDOM % ${#NAMED[@]}))]}"
    else
        echo MOUSE
    fi
}
send_random_keys() { # send_random_keys COUNT
    local sent=0 batch=()
    while ((sent < $1)); do
        local k
        k=$(random_key)
        if [ "$k" = MOUSE ]; then
            ((${#batch[@]})) && $T send-keys -t t -- "${batch[@]}"
            batch=()
            local x=$((RANDOM % 130 + 1)) y=$((RANDOM % 45 + 1)) b=$((RANDOM % 3))
            case $((RANDOM % 4)) in
            0) $T send-keys -t t -l $'\e[<'"$b;$x;${y}M"$'\e[<'"$b;$x;${y}m" ;;   # press + release
            1) $T send-keys -t t -l $'\e[<'"$((64 + RANDOM % 2));$x;${y}M" ;;     # wheel
            2) $T send-keys -t t -l $'\e[<'"32;$x;${y}M" ;;                       # drag
            3) $T send-keys -t t -l $'\e['"$((RANDOM % 99))" ;;                    # cut-off sequence
            esac
        else
            batch+=("$k")
        fi
        sent=$((sent + 1))
        if ((${#batch[@]} >= 25)); then
            $T send-keys -t t -- "${batch[@]}"
            batch=()
            alive || return 1
        fi
    done
    ((${#batch[@]})) && $T send-keys -t t -- "${batch[@]}"
    alive
}
alive() { ! screen | grep -q '^EXIT='; }

failures=0
runs=0
total_keys=0
total_resizes=0
run() { # run LABEL ENV...
    local label=$1
    shift
    $T kill-server 2> /dev/null
    runs=$((runs + 1))
    T="tmux -L $SOCKET-$runs -f /dev/null"  # a fresh server: a dying one can swallow new-session
    $T new-session -d -s t -x 120 -y 40 \
        "env -i PATH=/usr/bin:/bin HOME=$WORK LOSSPATTERNS_HOME=$WORK/home $* $BIN explore --preset tiny; echo EXIT=\$?; sleep 600"
    if ! wait_for 'LossPatterns' 30; then fail "$label" "the explorer did not start"; return; fi
    # Resizes while training, down to a few cells and up to a big window.
    for ((i = 0; i < RESIZES; i++)); do
        $T resize-window -t t -x $((RANDOM % 200 + 2)) -y $((RANDOM % 60 + 2))
        total_resizes=$((total_resizes + 1))
        ((i % 10 == 9)) && sleep 0.1
    done
    $T resize-window -t t -x 120 -y 40
    if ! alive || ! wait_for 'LossPatterns' 20; then fail "$label" "did not survive $RESIZES resizes"; return; fi
    # Random keys, in rounds with a resize between them.
    local round
    for ((round = 0; round < 4; round++)); do
        if ! send_random_keys $((KEYS / 4)); then fail "$label" "exited during random keys"; return; fi
        total_keys=$((total_keys + KEYS / 4))
        $T resize-window -t t -x $((RANDOM % 150 + 40)) -y $((RANDOM % 40 + 12))
    done
    $T resize-window -t t -x 120 -y 40
    sleep 0.5
    alive || { fail "$label" "exited after the keys"; return; }
    screen > "$WORK/screen-${label//[^a-zA-Z0-9]/_}.txt"
    # Leave whatever overlay the keys opened (prompts, editor, pickers, help), then quit.
    local tries
    for ((tries = 0; tries < 10; tries++)); do
        $T send-keys -t t Escape
        sleep 0.3
        $T send-keys -t t q
        sleep 0.5
        screen | grep -q '^EXIT=' && break
        if screen | grep -qi 'not saved\|quit without saving'; then $T send-keys -t t q; fi
        wait_for 'EXIT=' 3 && break
    done
    if ! wait_for 'EXIT=' 10; then fail "$label" "did not quit on q"; return; fi
    if ! screen | grep -q '^EXIT=0'; then fail "$label" "exit status $(screen | grep -o 'EXIT=[0-9]*')"; return; fi
    local restored
    restored=$($T display -p -t t '#{alternate_on} #{cursor_flag} #{mouse_any_flag}')
    if [ "$restored" != "0 1 0" ]; then fail "$label" "terminal not restored: alternate screen, cursor, mouse = $restored (want 0 1 0)"; return; fi
    echo "tui-stress: ok   $label: $RESIZES resizes, $KEYS keys, quit with exit 0, terminal restored"
}

run "xterm-256color, UTF-8" TERM=xterm-256color LANG=C.UTF-8
run "vt100" TERM=vt100 LANG=C.UTF-8
run "linux" TERM=linux LANG=C.UTF-8
run "no UTF-8 locale" TERM=xterm-256color
echo "tui-stress: $total_resizes resizes and $total_keys random keys in all; $failures failure(s)"
exit $((failures > 0))
