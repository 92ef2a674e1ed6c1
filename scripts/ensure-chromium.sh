#!/bin/sh
# Installs Debian's chromium for the browser tests (tests/api/test_widget_browser.py), only when it
# is missing. Playwright drives this system browser; it never downloads a browser of its own.
set -eu

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    echo "ensure-chromium: $CHROMIUM already installed, nothing to do"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "ensure-chromium: $CHROMIUM is missing and installing it needs root; run as root: apt-get install -y chromium" >&2
    exit 1
fi

echo "ensure-chromium: $CHROMIUM is missing; installing the Debian package 'chromium' with apt-get"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
echo "ensure-chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
