#!/usr/bin/env bash
# Browser tests drive Debian's chromium (no browser downloads); install it if it is not there.
set -euo pipefail
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
$sudo apt-get install -y -qq chromium >/dev/null
