#!/usr/bin/env bash
# Fit quality of a preset against the PyTorch reference (../shared/reference): the test gap
# (accuracy on black minus white trained cells, 500 test images) on ring16 at steps 100..400,
# for several seeds. Usage: scripts/fit-ring16.sh [preset] [seeds...]  (extra mpo train flags via FLAGS=)
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-live}; shift || true
seeds=${*:-1 2 3}
pattern=${PATTERN:-../shared/patterns/ring16.pbm}
bin=${MPO_BINARY:-.build/release/mpo}
for s in $seeds; do
  "$bin" train "$pattern" --preset "$preset" --seed "$s" --steps 400 --preview-every 100 ${FLAGS:-} \
    | awk -v s="$s" '/test gap/ { sub(":", "", $2); printf "seed %s step %s gap %s\n", s, $2, $5 }'
done
