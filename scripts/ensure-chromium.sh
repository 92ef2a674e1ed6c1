#!/bin/sh
# Installs Debian's chromium for the browser tests (tests/api/test_widget_browser.py), only when it
# is missing. Playwright drives this system browser; it never downloads a browser of its own.
set -eu

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    echo "ensure-chromium: $CHROMIUM already installed, nothing to do"
    exit 0
fi

echo "ensure-chromium: $CHROMIUM is missing"
sh "$(dirname "$0")/apt-install.sh" ensure-chromium chromium
echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
