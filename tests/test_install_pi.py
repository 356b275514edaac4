"""scripts/install-pi.sh and scripts/uninstall-pi.sh, in a throwaway root (DESTDIR): the
user, the virtual environment, the files with their owners and modes, the units (checked
with systemd-analyze), enabled; again without harm; and an uninstall that keeps the data
unless --purge. The package step, the interpreter and systemctl are fakes that record
how they were called (systemctl then does the real thing in the root, where it can)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.unit_verify import verify_units

ROOT = Path(__file__).resolve().parents[1]
INSTALL = ROOT / "scripts" / "install-pi.sh"
UNINSTALL = ROOT / "scripts" / "uninstall-pi.sh"
UNITS = ("linerec-recovery.service", "linerec-engine.service", "linerec-web.service")
VERSION = next(line.split('"')[1] for line in (ROOT / "dsp_ext" / "_version.py").read_text()
               .splitlines() if line.startswith("__version__"))
PROGRAM = "/opt/linerec/current/venv/bin/linerec"
REAL_SYSTEMCTL = shutil.which("systemctl")

FAKE_RECORDER = """#!/bin/sh
echo "$(basename "$0") $*" >> "{log}"
"""
FAKE_PIP = FAKE_RECORDER + """for argument in "$@"; do
    case "$argument" in
        *"[pi]") source="${{argument%\\[pi\\]}}"
            [ -f "$source/pyproject.toml" ] && [ ! -e "$source/.git" ] \\
                && echo "pip: a copy of the source" >> "{log}" ;;
    esac
done
"""
FAKE_PYTHON = FAKE_RECORDER + """if [ "$1" = -m ] && [ "$2" = venv ]; then
    mkdir -p "$3/bin"
    cp "$0" "$3/bin/python"
    cp "{bin}/pip" "$3/bin/pip"
    printf '#!/bin/sh\\n' > "$3/bin/linerec"
    chmod 755 "$3/bin/linerec"
fi
"""
FAKE_SYSTEMCTL = FAKE_RECORDER + """if [ -n "{real}" ]; then exec "{real}" "$@"; fi
"""


class Box:
    """A throwaway root and the fakes the scripts run with."""

    def __init__(self, tmp_path: Path) -> None:
        self.root = tmp_path / "root"
        (self.root / "etc").mkdir(parents=True)
        for name in ("passwd", "group", "shadow", "gshadow", "login.defs"):
            if Path("/etc", name).exists():
                shutil.copy(Path("/etc", name), self.root / "etc" / name)
        self.log = tmp_path / "calls.log"
        self.log.touch()
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        fakes = {
            "system-deps": FAKE_RECORDER,
            "pip": FAKE_PIP,
            "python3": FAKE_PYTHON,
            "systemctl": FAKE_SYSTEMCTL,
        }
        for name, text in fakes.items():
            fake = self.bin / name
            fake.write_text(text.format(log=self.log, bin=self.bin, real=REAL_SYSTEMCTL or ""))
            fake.chmod(0o755)

    def run(self, script: Path, *arguments: str) -> subprocess.CompletedProcess:
        environment = {
            **os.environ,
            "DESTDIR": str(self.root),
            "PATH": f"{self.bin}:{os.environ['PATH']}",
            "PYTHON": str(self.bin / "python3"),
            "SYSTEM_DEPS": str(self.bin / "system-deps"),
        }
        return subprocess.run([str(script), *arguments], env=environment, capture_output=True,
                              text=True, timeout=120, check=False)

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines()

    def path(self, inside: str) -> Path:
        return self.root / inside.lstrip("/")

    def user(self) -> list[str] | None:
        for line in self.path("/etc/passwd").read_text().splitlines():
            if line.startswith("linerec:"):
                return line.split(":")
        return None

    def members(self, group: str) -> list[str]:
        for line in self.path("/etc/group").read_text().splitlines():
            name, _, _, members = line.split(":")
            if name == group:
                return members.split(",") if members else []
        return []


@pytest.fixture
def box(tmp_path) -> Box:
    if os.geteuid() != 0:
        pytest.skip("the installer runs as root (useradd --prefix, chown)")
    if shutil.which("useradd") is None:
        pytest.skip("needs useradd (Debian's passwd package)")
    return Box(tmp_path)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_install_makes_the_user_the_venv_the_files_and_the_units(box):
    result = box.run(INSTALL)
    assert result.returncode == 0, result.stderr
    calls = box.calls()
    assert calls[0] == "system-deps --runtime"  # the box's packages, no test tools
    # The user: a system user of its own group, no login, in the hardware's groups.
    user = box.user()
    assert user is not None
    assert int(user[2]) < 1000
    assert user[5:] == ["/nonexistent", "/usr/sbin/nologin"]
    for group in ("audio", "gpio", "dialout"):
        assert "linerec" in box.members(group), group
    uid, gid = int(user[2]), int(user[3])
    # The checkout's version in its own virtual environment, with the pi extra, built from a
    # copy of the checkout, and current a relative symlink to it: linerec update's layout.
    venv = box.path(f"/opt/linerec/versions/{VERSION}/venv")
    assert f"python3 -m venv {venv}" in calls
    assert os.readlink(box.path("/opt/linerec/current")) == f"versions/{VERSION}"
    assert box.path(PROGRAM).is_file()
    assert sorted(path.name for path in box.path("/opt/linerec").iterdir()) == [
        "current", "versions"]
    assert [path.name for path in box.path("/opt/linerec/versions").iterdir()] == [VERSION]
    assert not (venv.parent / ".installing").exists()  # whole: linerec update keeps it
    assert box.path("/opt/linerec").stat().st_uid == 0  # root's: the services cannot change it
    installs = [call for call in calls if call.startswith("pip install")]
    assert any(call.endswith("[pi]") and "--no-build-isolation" in call for call in installs)
    assert "pip: a copy of the source" in calls
    assert not any("[dev]" in call for call in installs)
    # The data folder: the box's user's alone.
    data = box.path("/var/lib/linerec")
    assert (data.stat().st_uid, data.stat().st_gid, mode(data)) == (uid, gid, 0o700)
    cache = box.path("/var/cache/linerec")
    assert (cache.stat().st_uid, mode(cache)) == (uid, 0o700)
    # The settings and the command.
    settings = box.path("/etc/default/linerec")
    assert mode(settings) == 0o644 and settings.stat().st_uid == 0
    lines = [line for line in settings.read_text().splitlines() if not line.startswith("#")]
    assert lines == ["LINEREC_DATA=/var/lib/linerec", "LINEREC_DATA_DISK=no"]
    command = box.path("/usr/local/bin/linerec")
    assert mode(command) == 0o755
    wrapper = command.read_text()
    assert f"exec runuser -u linerec -- {PROGRAM}" in wrapper
    assert "/opt/linerec/venv" not in wrapper
    # The units as shipped, through current.
    for name in UNITS[1:]:
        assert f"ExecStart={PROGRAM} " in box.path(f"/etc/systemd/system/{name}").read_text()
    # The units as shipped, root's, enabled.
    for name in UNITS:
        unit = box.path(f"/etc/systemd/system/{name}")
        assert unit.read_text() == (ROOT / "deploy" / "systemd" / name).read_text()
        assert mode(unit) == 0o644 and unit.stat().st_uid == 0
        assert not box.path(f"/etc/systemd/system/{name}.d").exists()
    assert f"systemctl --root={box.root} enable linerec-engine.service linerec-web.service" \
        in calls
    if REAL_SYSTEMCTL:
        wants = box.path("/etc/systemd/system/multi-user.target.wants")
        assert sorted(path.name for path in wants.iterdir()) == [
            "linerec-engine.service", "linerec-web.service"]
    assert verify_units(box.root, [box.path(f"/etc/systemd/system/{name}") for name in UNITS]
                        ) == ""


def test_install_again_keeps_the_data_the_user_and_the_settings(box):
    assert box.run(INSTALL, "--data", "/srv/linerec").returncode == 0
    kept = box.path("/srv/linerec/linerec.db")
    kept.write_text("the box's calls")
    users = box.path("/etc/passwd").read_text()
    again = box.run(INSTALL)  # no options: the settings installed before
    assert again.returncode == 0, again.stderr
    assert kept.read_text() == "the box's calls"
    assert box.path("/etc/passwd").read_text() == users  # the same user, once
    assert "LINEREC_DATA=/srv/linerec" in box.path("/etc/default/linerec").read_text()
    assert mode(box.path("/srv/linerec")) == 0o700
    assert not box.path("/var/lib/linerec").exists()
    for name in UNITS:  # systemd lets the services write the data folder where it is
        dropin = box.path(f"/etc/systemd/system/{name}.d/data-folder.conf")
        assert dropin.read_text().splitlines()[1:] == ["[Service]",
                                                       "ReadWritePaths=-/srv/linerec"]
    calls = box.calls()
    venv = box.path(f"/opt/linerec/versions/{VERSION}/venv")
    assert calls.count(f"python3 -m venv {venv}") == 1  # kept
    assert os.readlink(box.path("/opt/linerec/current")) == f"versions/{VERSION}"
    # Back to the default folder: the drop-ins go.
    assert box.run(INSTALL, "--data", "/var/lib/linerec").returncode == 0
    assert not box.path("/etc/systemd/system/linerec-engine.service.d").exists()


def test_install_switches_current_to_its_version_and_leaves_the_old_layout(box):
    # A box installed before versions (/opt/linerec/venv), and another version beside.
    box.path("/opt/linerec/venv/bin").mkdir(parents=True)
    box.path("/opt/linerec/versions/0.0.9/venv/bin").mkdir(parents=True)
    box.path("/opt/linerec/current").symlink_to("versions/0.0.9")
    assert box.run(INSTALL).returncode == 0
    assert os.readlink(box.path("/opt/linerec/current")) == f"versions/{VERSION}"
    assert not box.path("/opt/linerec/venv").exists()
    assert not list(box.path("/opt/linerec").glob(".current*"))  # renamed over current
    assert box.path("/opt/linerec/versions/0.0.9/venv").is_dir()  # linerec update prunes


def test_a_build_that_was_interrupted_is_made_again(box):
    half = box.path(f"/opt/linerec/versions/{VERSION}")
    (half / "venv" / "bin").mkdir(parents=True)
    (half / "venv" / "bin" / "python").write_text("#!/bin/sh\nexit 1\n")
    (half / "venv" / "bin" / "python").chmod(0o755)
    (half / ".installing").touch()
    assert box.run(INSTALL).returncode == 0
    assert f"python3 -m venv {half / 'venv'}" in box.calls()
    assert not (half / ".installing").exists()


def test_the_command_runs_update_as_root_and_the_rest_as_the_box_user(box):
    assert box.run(INSTALL).returncode == 0
    wrapper = box.path("/usr/local/bin/linerec").read_text()
    with tempfile.TemporaryDirectory() as folder:  # where the user nobody can run from
        place = Path(folder)
        place.chmod(0o755)
        program = place / "program"
        program.write_text('#!/bin/sh\necho "$(id -un) $LINEREC_DATA $*"\n')
        program.chmod(0o755)
        command = place / "linerec"
        command.write_text(wrapper.replace(PROGRAM, str(program))
                           .replace("runuser -u linerec --", "runuser -u nobody --"))
        command.chmod(0o755)
        environment = {**os.environ, "LINEREC_DATA": "/var/lib/linerec"}

        def run(*argv: str) -> subprocess.CompletedProcess:
            return subprocess.run(list(argv), env=environment, capture_output=True, text=True,
                                  timeout=30, check=False)

        said = [run(str(command), "update", "--status"), run(str(command), "status")]
        assert [done.stdout for done in said] == [
            "root /var/lib/linerec update --status\n", "nobody /var/lib/linerec status\n"]
        # Not root: update is refused in one line, before anything runs.
        refused = run("runuser", "-u", "nobody", "--", str(command), "update", "x")
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert refused.stderr.startswith("linerec: error: linerec update changes /opt/linerec")


def test_a_data_disk_that_is_not_mounted_is_refused(box):
    result = box.run(INSTALL, "--data", "/mnt/data/linerec", "--data-disk")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "install-pi: error: /mnt/data/linerec is on the system's own disk, not on a data "
        "disk: mount the data disk first (see docs/user-guide.md, The data disk)")
    assert box.calls() == []  # nothing done
    assert box.user() is None


def test_bad_options_are_refused(box):
    assert box.run(INSTALL, "--data", "relative/path").returncode == 2
    assert box.run(INSTALL, "--data", "/etc").returncode == 2
    assert box.run(INSTALL, "--frobnicate").returncode == 2
    assert box.calls() == []
    shown = box.run(INSTALL, "--help")
    assert shown.returncode == 0 and "sudo scripts/install-pi.sh" in shown.stdout


def test_uninstall_keeps_the_data_unless_purged(box):
    assert box.run(INSTALL).returncode == 0
    recording = box.path("/var/lib/linerec/recordings/call.wav")
    recording.parent.mkdir()
    recording.write_bytes(b"RIFF")
    assert box.path("/opt/linerec/current").is_symlink()  # the layout of updates: all of it goes
    result = box.run(UNINSTALL)
    assert result.returncode == 0, result.stderr
    assert f"systemctl --root={box.root} disable linerec-engine.service linerec-web.service " \
           "linerec-recovery.service" in box.calls()
    for gone in ("/opt/linerec", "/usr/local/bin/linerec", "/var/cache/linerec",
                 *(f"/etc/systemd/system/{name}" for name in UNITS)):
        assert not box.path(gone).exists(), gone
    if REAL_SYSTEMCTL:
        assert not box.path("/etc/systemd/system/multi-user.target.wants/"
                            "linerec-engine.service").exists()
    assert recording.read_bytes() == b"RIFF"
    assert box.path("/etc/default/linerec").exists()
    assert box.user() is not None  # the data's owner
    assert "kept the data in /var/lib/linerec" in result.stdout
    assert box.run(UNINSTALL).returncode == 0  # again: nothing left to do, no harm

    purged = box.run(UNINSTALL, "--purge")
    assert purged.returncode == 0, purged.stderr
    assert not box.path("/var/lib/linerec").exists()
    assert not box.path("/etc/default/linerec").exists()
    assert box.user() is None
    assert "linerec" not in box.members("audio")
