#!/bin/sh
# Install linerec from this checkout as the box's services, on Raspberry Pi OS
# (bookworm, 64-bit) or Debian 12:
#
#   sudo scripts/install-pi.sh [--data DIR] [--data-disk | --no-data-disk] [--no-start]
#
# - the Debian packages the box needs to build and run (scripts/system-deps.sh
#   --runtime: no test tools; espeak-ng among them, for the prompts the box speaks);
# - the system user linerec (groups audio, gpio, dialout: the sound cards, the
#   GPIO pins, the voice modems);
# - this checkout's version in /opt/linerec/versions/<version>/venv (a virtual
#   environment with linerec and its `pi` extra), and /opt/linerec/current, a
#   relative symlink to it that the units, the linerec command and `linerec
#   update` go through (the layout linerec update installs later versions into);
# - the data folder (/var/lib/linerec, or --data DIR: a data disk), mode 0700,
#   owned by linerec; with --data-disk the box records only onto a file system
#   of its own there (LINEREC_DATA_DISK=yes): never onto the SD card when the
#   disk is missing;
# - /etc/default/linerec (LINEREC_DATA, LINEREC_DATA_DISK), read by the
#   services and by /usr/local/bin/linerec, the command as the box's user;
# - the units of deploy/systemd in /etc/systemd/system, enabled and (re)started.
#
# Run it again to update the box to this checkout: it keeps the data, the user
# and the settings (given again, --data and --data-disk change them); the same
# version is installed again in its place, another one beside the others and
# /opt/linerec/current switched to it (a symlink renamed over the old one). A
# box installed before versions (/opt/linerec/venv) is moved to this layout.
# scripts/uninstall-pi.sh takes it away again.
#
# For tests: DESTDIR=<folder> installs into a throwaway root instead (the user
# in its etc/passwd, the units enabled with systemctl --root, nothing started);
# PYTHON and SYSTEM_DEPS name the interpreter and the package step to use.
set -eu

SOURCE=$(cd "$(dirname "$0")/.." && pwd)
DESTDIR="${DESTDIR:-}"
PYTHON="${PYTHON:-python3}"
SYSTEM_DEPS="${SYSTEM_DEPS:-$SOURCE/scripts/system-deps.sh}"

PREFIX=/opt/linerec
VERSION=$(sed -n 's/^__version__ = "\([^"]*\)"$/\1/p' "$SOURCE/dsp_ext/_version.py")
VERSION_DIR=$PREFIX/versions/$VERSION
VENV=$VERSION_DIR/venv
CURRENT=$PREFIX/current
PROGRAM=$CURRENT/venv/bin/linerec # through the link: the version linerec update switched to
INSTALLING=.installing # in a version's folder while it is built (firmware/update)
ENV_FILE=/etc/default/linerec
UNIT_DIR=/etc/systemd/system
COMMAND=/usr/local/bin/linerec
CACHE=/var/cache/linerec
USER_NAME=linerec
GROUPS="audio gpio dialout"
DEFAULT_DATA=/var/lib/linerec
UNITS="linerec-recovery.service linerec-engine.service linerec-web.service"
SERVICES="linerec-engine.service linerec-web.service" # recovery comes with them

say() { echo "install-pi: $*"; }
fail() { echo "install-pi: error: $*" >&2; exit 2; }

data="" data_disk="" start=yes
while [ $# -gt 0 ]; do
    case "$1" in
        --data) [ $# -ge 2 ] || fail "--data needs a folder"; data="$2"; shift ;;
        --data=*) data="${1#--data=}" ;;
        --data-disk) data_disk=yes ;;
        --no-data-disk) data_disk=no ;;
        --no-start) start=no ;;
        -h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) fail "unknown option $1 (see --help)" ;;
    esac
    shift
done

[ "$(id -u)" = 0 ] || fail "run it as root: sudo $0"
case "$VERSION" in
    "" | . | .. | */* | .*) fail "no version in $SOURCE/dsp_ext/_version.py" ;;
esac
[ -z "$DESTDIR" ] || DESTDIR=$(cd "$DESTDIR" && pwd)

# The settings: as given, else as installed before, else the defaults.
setting() { # NAME: its value in the installed settings file, if any
    [ -r "$DESTDIR$ENV_FILE" ] && sed -n "s/^$1=//p" "$DESTDIR$ENV_FILE" | tail -n 1 || true
}
[ -n "$data" ] || data=$(setting LINEREC_DATA)
[ -n "$data" ] || data=$DEFAULT_DATA
[ -n "$data_disk" ] || data_disk=$(setting LINEREC_DATA_DISK)
[ "$data_disk" = yes ] || data_disk=no
case "$data" in
    /*) ;;
    *) fail "--data must be an absolute path, not $data" ;;
esac
case "$data" in
    / | /etc* | /usr* | /opt* | /bin* | /sbin* | /lib* | /boot* | /proc* | /sys* | /dev* | /run*)
        fail "$data cannot be the data folder: it belongs to the system" ;;
esac

if [ "$data_disk" = yes ]; then
    # The folder, or the nearest folder above it, must be on another file system than /.
    existing="$DESTDIR$data"
    while [ ! -e "$existing" ]; do existing=$(dirname "$existing"); done
    if [ "$(stat -c %d "$existing")" = "$(stat -c %d "$DESTDIR/")" ]; then
        fail "$data is on the system's own disk, not on a data disk: mount the data disk first (see docs/user-guide.md, The data disk)"
    fi
fi

say "Debian packages"
"$SYSTEM_DEPS" --runtime

say "user $USER_NAME"
if [ -n "$DESTDIR" ]; then
    set -- --prefix "$DESTDIR"
    has_group() { grep -q "^$1:" "$DESTDIR/etc/group"; }
    has_user() { grep -q "^$1:" "$DESTDIR/etc/passwd"; }
    ids() { awk -F: -v name="$1" '$1 == name { print $3 ":" $4 }' "$DESTDIR/etc/passwd"; }
else
    set --
    has_group() { getent group "$1" >/dev/null; }
    has_user() { id -u "$1" >/dev/null 2>&1; }
    ids() { echo "$(id -u "$1"):$(id -g "$1")"; }
fi
for group in $GROUPS; do
    has_group "$group" || groupadd "$@" --system "$group"
done
if ! has_user "$USER_NAME"; then
    useradd "$@" --system --user-group --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin --comment "linerec phone-line recorder" "$USER_NAME"
fi
usermod "$@" --append --groups "$(echo $GROUPS | tr ' ' ,)" "$USER_NAME"
owner=$(ids "$USER_NAME")

say "linerec $VERSION in $VENV"
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
# Built from a copy, so that nothing in the checkout becomes root's.
tar -C "$SOURCE" --exclude=./.git --exclude=./.venv --exclude=./build --exclude=./data \
    --exclude='*.so' --exclude='*.egg-info' --exclude=__pycache__ -cf - . | tar -C "$build" -xf -
mkdir -p "$DESTDIR$PREFIX/versions"
chmod 0755 "$DESTDIR$PREFIX" "$DESTDIR$PREFIX/versions"
if [ -e "$DESTDIR$VERSION_DIR/$INSTALLING" ]; then
    rm -rf "$DESTDIR$VERSION_DIR" # a build that was interrupted: made again
fi
if [ ! -x "$DESTDIR$VENV/bin/python" ]; then
    # Marked while it is built: linerec update removes a half-built version, never runs it.
    mkdir -p "$DESTDIR$VERSION_DIR"
    touch "$DESTDIR$VERSION_DIR/$INSTALLING"
    "$PYTHON" -m venv "$DESTDIR$VENV"
fi
pip="$DESTDIR$VENV/bin/pip"
"$pip" install --disable-pip-version-check -q --upgrade pip "setuptools>=68" wheel "cffi>=1.16"
if ! "$pip" install --disable-pip-version-check -q --no-build-isolation "$build[pi]"; then
    # The pi extra's GPIO library (lgpio, under gpiozero) did not install: the classic
    # RPi.GPIO instead, which the GPIO driver falls back to (not on a Pi 5).
    say "the pi extra did not install; RPi.GPIO instead of lgpio"
    "$pip" install --disable-pip-version-check -q --no-build-isolation "$build" \
        "pyalsaaudio>=0.10" "gpiozero>=2.0" "RPi.GPIO>=0.7"
fi
rm -f "$DESTDIR$VERSION_DIR/$INSTALLING"

say "current -> versions/$VERSION"
# A new symlink renamed over the old one: current is always whole.
link="$DESTDIR$PREFIX/.current.install"
rm -f "$link"
ln -s "versions/$VERSION" "$link"
mv -T "$link" "$DESTDIR$CURRENT"
if [ -d "$DESTDIR$PREFIX/venv" ] && [ ! -L "$DESTDIR$PREFIX/venv" ]; then
    say "removed $PREFIX/venv (the layout before versions)"
    rm -rf "$DESTDIR$PREFIX/venv"
fi

say "data folder $data"
mkdir -p "$DESTDIR$data"
chown "$owner" "$DESTDIR$data"
chmod 0700 "$DESTDIR$data"
mkdir -p "$DESTDIR$CACHE"
chown "$owner" "$DESTDIR$CACHE"
chmod 0700 "$DESTDIR$CACHE"

say "settings $ENV_FILE"
mkdir -p "$DESTDIR$(dirname "$ENV_FILE")"
cat >"$DESTDIR$ENV_FILE" <<EOF
# linerec's settings, for its services and the linerec command (scripts/install-pi.sh).
# The data folder: recordings, database, configuration, keys.
LINEREC_DATA=$data
# yes: the data folder must be on a disk of its own (a data disk); the box refuses to
# record onto the system's disk (the SD card) when that disk is missing.
LINEREC_DATA_DISK=$data_disk
EOF
chmod 0644 "$DESTDIR$ENV_FILE"

say "command $COMMAND"
mkdir -p "$DESTDIR$(dirname "$COMMAND")"
cat >"$DESTDIR$COMMAND" <<EOF
#!/bin/sh
# linerec on the installed box (scripts/install-pi.sh): the version /opt/linerec/current
# points at, on the data folder of its services, as their user when run by root (so that
# what it makes stays the box's) -- except linerec update, which installs versions in
# $PREFIX and restarts the services: root's own work.
if [ -z "\${LINEREC_DATA:-}" ] && [ -r $ENV_FILE ]; then
    set -a; . $ENV_FILE; set +a
fi
export LINEREC_DATA="\${LINEREC_DATA:-$data}" LINEREC_CACHE="\${LINEREC_CACHE:-$CACHE}"
if [ "\${1:-}" = update ]; then
    if [ "\$(id -u)" != 0 ]; then
        echo "linerec: error: linerec update changes $PREFIX and restarts the services: run it as root (sudo linerec update ...)" >&2
        exit 2
    fi
    exec $PROGRAM "\$@"
fi
if [ "\$(id -u)" = 0 ]; then
    exec runuser -u $USER_NAME -- $PROGRAM "\$@"
fi
exec $PROGRAM "\$@"
EOF
chmod 0755 "$DESTDIR$COMMAND"

say "units in $UNIT_DIR"
mkdir -p "$DESTDIR$UNIT_DIR"
for unit in $UNITS; do
    install -m 0644 "$SOURCE/deploy/systemd/$unit" "$DESTDIR$UNIT_DIR/$unit"
    dropin="$DESTDIR$UNIT_DIR/$unit.d"
    if [ "$data" = "$DEFAULT_DATA" ]; then
        rm -f "$dropin/data-folder.conf"
        rmdir "$dropin" 2>/dev/null || true
    else
        mkdir -p "$dropin"
        printf '%s\n' "# The data folder (scripts/install-pi.sh --data)." "[Service]" \
            "ReadWritePaths=-$data" >"$dropin/data-folder.conf"
        chmod 0644 "$dropin/data-folder.conf"
    fi
done

if [ -n "$DESTDIR" ]; then
    systemctl --root="$DESTDIR" enable $SERVICES
    say "installed in $DESTDIR (nothing started)"
    exit 0
fi
systemctl daemon-reload
systemctl enable $SERVICES
if [ "$start" = yes ]; then
    systemctl restart $SERVICES
    say "started: $SERVICES"
fi
say "the web UI: https://$(hostname).local:8443/ (first visit: create the admin account)"
say "logs: journalctl -u 'linerec-*' -f    health: linerec status"
