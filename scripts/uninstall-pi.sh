#!/bin/sh
# Take away what scripts/install-pi.sh installed:
#
#   sudo scripts/uninstall-pi.sh            # keeps the data, its settings and its user
#   sudo scripts/uninstall-pi.sh --purge    # also deletes the data folder: every recording
#
# The services are stopped and disabled; the units, /opt/linerec (every
# installed version, current, the update state and release keys), the linerec
# command and the cache are removed. Without
# --purge the data folder, /etc/default/linerec (where the data is) and the
# user linerec (who owns it) stay, so that installing again finds the box as
# it was. With --purge they go too.
#
# For tests: DESTDIR=<folder> works on a throwaway root (systemctl --root,
# the user in its etc/passwd, nothing stopped).
set -eu

DESTDIR="${DESTDIR:-}"
PREFIX=/opt/linerec
ENV_FILE=/etc/default/linerec
UNIT_DIR=/etc/systemd/system
COMMAND=/usr/local/bin/linerec
CACHE=/var/cache/linerec
USER_NAME=linerec
DEFAULT_DATA=/var/lib/linerec
UNITS="linerec-engine.service linerec-web.service linerec-recovery.service"

say() { echo "uninstall-pi: $*"; }
fail() { echo "uninstall-pi: error: $*" >&2; exit 2; }

purge=no
while [ $# -gt 0 ]; do
    case "$1" in
        --purge) purge=yes ;;
        -h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) fail "unknown option $1 (see --help)" ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || fail "run it as root: sudo $0"
[ -z "$DESTDIR" ] || DESTDIR=$(cd "$DESTDIR" && pwd)

data=""
[ -r "$DESTDIR$ENV_FILE" ] && data=$(sed -n 's/^LINEREC_DATA=//p' "$DESTDIR$ENV_FILE" | tail -n 1)
[ -n "$data" ] || data=$DEFAULT_DATA

installed=""
for unit in $UNITS; do
    [ -e "$DESTDIR$UNIT_DIR/$unit" ] && installed="$installed $unit"
done
if [ -n "$installed" ]; then
    say "services stopped and disabled:$installed"
    if [ -n "$DESTDIR" ]; then
        systemctl --root="$DESTDIR" disable $installed
    else
        systemctl disable --now $installed
    fi
fi
for unit in $UNITS; do
    rm -f "$DESTDIR$UNIT_DIR/$unit"
    rm -rf "$DESTDIR$UNIT_DIR/$unit.d"
done
[ -n "$DESTDIR" ] || systemctl daemon-reload
rm -rf "$DESTDIR$PREFIX" "$DESTDIR$CACHE"
rm -f "$DESTDIR$COMMAND"
say "removed the units, $PREFIX, $COMMAND and $CACHE"

if [ "$purge" = no ]; then
    say "kept the data in $data, $ENV_FILE and the user $USER_NAME (--purge deletes them)"
    exit 0
fi
case "$data" in
    /*/*) ;;
    *) fail "will not delete $data: not a data folder" ;;
esac
rm -rf "$DESTDIR$data"
rm -f "$DESTDIR$ENV_FILE"
if [ -n "$DESTDIR" ]; then
    ! grep -q "^$USER_NAME:" "$DESTDIR/etc/passwd" || userdel --prefix "$DESTDIR" "$USER_NAME"
else
    ! id -u "$USER_NAME" >/dev/null 2>&1 || userdel "$USER_NAME"
fi
say "deleted the data in $data, $ENV_FILE and the user $USER_NAME"
