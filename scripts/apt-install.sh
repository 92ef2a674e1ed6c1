#!/bin/sh
# apt-install.sh WHO [--no-install-recommends] PACKAGE...: installs Debian packages from the Debian archive,
# as root (CI) or through sudo; WHO names the calling script in its messages.
# Used by ensure-chromium.sh and ensure-system-packages.sh.
set -eu

WHO=$1
shift
OPTIONS=""
if [ "${1:-}" = "--no-install-recommends" ]; then
    OPTIONS=$1
    shift
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "$WHO: missing $* and installing needs root; run as root: apt-get install -y $*" >&2
    exit 1
fi

echo "$WHO: installing $* with apt-get"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086  # OPTIONS is one word or none
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $OPTIONS "$@"
echo "$WHO: installed $*"
