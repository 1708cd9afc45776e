#!/usr/bin/env bash
# Installs the Debian packages named on the command line when any is missing.
# Runs apt-get directly as root, through sudo otherwise; says clearly what to do when it cannot.
set -euo pipefail
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "error: need root to install: ${missing[*]}" >&2
  echo "       run: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"; }; then
  echo "error: could not install ${missing[*]} with apt-get; install them by hand and retry" >&2
  exit 1
fi
