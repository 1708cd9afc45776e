#!/usr/bin/env bash
# Makes the shipped warm-start origin of the live preset (WarmStarts/, see its README): the same
# file any machine would train and cache on its first run, trained here once with a private
# cache folder and copied into the project. Usage: scripts/make-warm-start.sh [extra mpo train flags]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${MPO_BINARY:-.build/release/mpo}
cache=$(mktemp -d /tmp/lp-warm.XXXXXX)
trap 'rm -rf "$cache"' EXIT
mkdir -p WarmStarts
# A project folder without WarmStarts/, so the origin is trained rather than found.
home=$(mktemp -d /tmp/lp-warm-home.XXXXXX)
cp -r Patterns "$home/"
XDG_CACHE_HOME=$cache LOSSPATTERNS_HOME=$home "$bin" train heart --steps 1 --preview-every 0 --precision fp32 "$@" | grep -E '^warm start' || true
rm -rf "$home"
for f in "$cache"/losspatterns/warm-start/*.safetensors; do
  cp "$f" WarmStarts/
  echo "WarmStarts/$(basename "$f") ($(stat -c %s "$f") bytes)"
done
