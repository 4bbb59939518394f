#!/usr/bin/env bash
# The served stack puts Debian's nginx in front of gunicorn (backend/serve.py, backend/nginx.conf): `make run`,
# the served-stack tests and the load reports need it. Installs it if it is not there (nginx-light: the modules
# the configuration uses). On a machine with systemd, Debian's package also starts its default site on port 80:
# `sudo systemctl disable --now nginx` if that is not wanted; backend/serve.py runs its own nginx either way.
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then exit 0; fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
$sudo apt-get install -y -qq nginx-light >/dev/null
