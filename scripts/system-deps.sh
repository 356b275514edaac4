#!/bin/sh
# Install the Debian packages that building and testing linerec need, if any
# are missing: apt-get as root, or sudo when it needs no password; otherwise
# say what to install and fail. `system-deps.sh --runtime` installs only what
# the box itself needs to build and run (scripts/install-pi.sh): no test tools.
set -eu

# The box: the compiler and build tools for the C extension and pyalsaaudio
# (ALSA's headers); libopusenc0 and libopus0 (recordings compressed to Ogg Opus
# after the call, loaded by firmware.archive.opus), libsndfile1 (Opus decoded
# and recordings exported, through soundfile where its wheel brings no
# libsndfile of its own), rclone (backups off the box: a USB disk, a NAS over
# SFTP or SMB, S3), espeak-ng (the prompts the box speaks, in Chinese and English:
# firmware.prompts.speech).
RUNTIME_PACKAGES="gcc make pkg-config libasound2-dev libopusenc0 libopus0 libsndfile1 rclone
espeak-ng"
# Tests and benchmarks only, never on the box: the peers we measure against
# (spandsp, speexdsp); sox (with espeak-ng, which the box has) makes the speech
# corpus of the DSP tests; Chromium, its WebDriver and a Chinese font for the browser tests of
# the web UI; systemd for systemd-analyze, which checks the units; samba
# (smbd, the SMB server of the backup tests); the aarch64 cross compiler,
# qemu-user and mmdebstrap (the Pi's build and tests, bench/arm64.py).
TEST_PACKAGES="libspandsp-dev libspeexdsp-dev sox chromium chromium-driver
fonts-wqy-microhei systemd samba gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
mmdebstrap"
case "${1:-}" in
    --runtime) PACKAGES="$RUNTIME_PACKAGES" ;;
    "") PACKAGES="$RUNTIME_PACKAGES $TEST_PACKAGES" ;;
    *) echo "usage: $0 [--runtime]" >&2; exit 2 ;;
esac
PYTHON="${PYTHON:-python3}"

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "system-deps: not a Debian system; make sure these are installed: $PACKAGES" >&2
    exit 0
fi

missing=""
for package in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $package"
    fi
done

# The interpreter needs venv with pip, and its C headers for the extension.
if ! command -v "$PYTHON" >/dev/null 2>&1; then
    missing="$missing python3 python3-venv python3-dev"
elif ! "$PYTHON" - <<'PY'
import ensurepip, os, sys, sysconfig, venv
sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))
PY
then
    missing="$missing python3-venv python3-dev"
fi

[ -z "$missing" ] && exit 0

echo "system-deps: installing Debian packages:$missing"
if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo"
else
    echo "system-deps: missing Debian packages:$missing" >&2
    echo "system-deps: install them with: sudo apt-get install$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086 # the list is meant to split into words
$SUDO apt-get install -y -qq --no-install-recommends $missing
