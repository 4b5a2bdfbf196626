#!/usr/bin/env bash
# Debian's Chromium for the browser tests; idempotent, quiet when already installed.
set -eu
[ -x /usr/bin/chromium ] && exit 0
command -v apt-get >/dev/null || exit 1
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo -n"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null 2>&1 || true
$SUDO apt-get install -y -qq chromium >/dev/null 2>&1
[ -x /usr/bin/chromium ]
