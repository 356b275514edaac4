"""linerec update on the host: versions made from this tree (update_support), installed
side by side, switched, checked, rolled back, with systemd stood in for by
update_services.py, which runs the current version's real engine on the data folder."""

from __future__ import annotations

import json
import os
import random
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import update_support as support
from recovery_folders import record

from firmware.cli.commands import main
from firmware.datafolder import DataFolder
from firmware.store.schema import MIGRATIONS
from firmware.update.updater import (
    CommandServices,
    PipInstaller,
    Root,
    UpdateError,
    Updater,
    check_version,
    clean_environment,
    judge_report,
    schema_of,
)

OLD_SCHEMA = len(MIGRATIONS)
NEW_SCHEMA = OLD_SCHEMA + 1
TREE = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    out = tmp_path_factory.mktemp("releases")
    return {
        "old": support.make_release(out, "0.1.0"),
        "new": support.make_release(out, "0.2.0", migration=True),
        "failing": support.make_release(out, "0.3.0", migration=True,
                                        replace=support.ENGINE_EXITS),
        "newer": support.make_release(out, "0.4.0", migration=True),
    }


class Box:
    def __init__(self, base: Path) -> None:
        self.root, self.data = base / "root", base / "data"
        self.data.mkdir(parents=True, exist_ok=True)
        self.services = support.services_command(self.root, self.data)

    def updater(self, check=check_version) -> Updater:
        return Updater(self.root, self.data, CommandServices(shlex.split(self.services)),
                       installer=support.TreeInstaller(), check=check, say=lambda text: None)

    def update(self, package: Path, within: float = 20.0, keep: int = 3, check=check_version):
        return self.updater(check).update(package, within, keep, 1.0)

    def args(self, *more: str, within: float = 20) -> list[str]:
        return ["update", *more, "--root", str(self.root), "--data", str(self.data),
                "--services", self.services, "--steady", "1", "--check-within", str(within)]

    def current(self) -> str | None:
        return Root(self.root).current_version()

    def state(self) -> dict:
        return json.loads((self.root / "update-state.json").read_text())

    def log(self) -> str:
        return (self.data / "logs" / "update.log").read_text()


@pytest.fixture
def box(tmp_path, monkeypatch):
    monkeypatch.setattr("firmware.cli.update.Updater", _TreeUpdater)
    made = Box(tmp_path)
    yield made
    support.stop_engine(made.root)


@pytest.fixture
def box_on_old(box, old_box):
    """``box`` running linerec 0.1.0, as a box is before an update: a copy of ``old_box``
    (installed and started once for the module), its engine started and healthy."""
    started_on_old(box, old_box)
    python = box.root / "current" / "venv" / "bin" / "python"
    deadline = time.monotonic() + 20
    while (problem := check_version(python, box.data)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert problem is None, problem
    return box


def started_on_old(box: Box, old_box: Box) -> None:
    """``box`` made a copy of ``old_box``, its engine started again."""
    shutil.copytree(old_box.root, box.root, symlinks=True)
    shutil.copytree(old_box.data, box.data, dirs_exist_ok=True)
    subprocess.run([*shlex.split(box.services), "restart"], check=True)


class _TreeUpdater(Updater):
    """The command's Updater, installing as TreeInstaller does (the host has no wheelhouse)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, installer=support.TreeInstaller(), **kwargs)


def test_the_health_check_wants_the_engine_running_with_every_line_online():
    line = {"status": {"line": 2, "online": False}}
    assert judge_report('{"engine_running": true, "lines": []}') is None
    assert judge_report('{"engine_running": false, "lines": []}') == "the engine is not running"
    assert judge_report(json.dumps({"engine_running": True, "lines": [line]})) == (
        "line(s) 2 not running")
    assert judge_report("Traceback") == "linerec status --json gave no report"


def test_linerec_update_refuses_a_file_that_is_no_bundle_in_one_line(box, capsys):
    package = box.data.parent / "linerec-9.tar.gz"
    package.write_bytes(b"not gzip at all")
    status = main(box.args(str(package)))
    error = capsys.readouterr().err
    assert status == 2
    assert error.count("\n") == 1
    assert error.startswith(f"linerec: error: {package}: not a linerec release bundle")
    assert not (box.root / "versions").exists()


def test_the_status_needs_no_service_manager_but_an_update_does(tmp_path, capsys):
    where = ["--root", str(tmp_path / "root"), "--data", str(tmp_path / "data")]
    assert main(["update", "--status", *where]) == 0
    assert "current     none" in capsys.readouterr().out
    if not Path("/run/systemd/system").is_dir():
        assert main(["update", "--rollback", *where]) == 2
        assert "no service manager" in capsys.readouterr().err


def test_pip_installs_a_version_offline_from_the_bundle_wheels(tmp_path):
    wheels = tmp_path / "wheels"
    support.make_wheel(wheels, "0.2.0")  # its metadata asks for no other package
    venv = tmp_path / "venv"
    PipInstaller().install(wheels, "linerec==0.2.0", venv)
    answer = subprocess.run(
        [str(venv / "bin" / "python"), "-I", "-c",
         "import importlib.metadata as m, firmware.update as u; "
         "print(m.version('linerec'), u.__file__)"],
        capture_output=True, text=True, env=clean_environment(), check=True).stdout.split()
    assert answer[0] == "0.2.0"
    assert answer[1].startswith(str(venv))


def test_an_update_installs_beside_switches_and_keeps_the_previous(box, releases, capsys):
    assert main(box.args(str(releases["old"]))) == 0
    assert box.current() == "0.1.0"
    old_python = box.root / "versions" / "0.1.0" / "venv" / "bin" / "python"
    old_files = {path: path.stat().st_mtime for path in old_python.parent.parent.rglob("*.py")}
    assert main(box.args(str(releases["new"]))) == 0
    assert "linerec 0.2.0 is running" in capsys.readouterr().out
    assert box.current() == "0.2.0"
    assert os.readlink(box.root / "current") == "versions/0.2.0"
    assert {path: path.stat().st_mtime for path in old_files} == old_files  # untouched
    assert schema_of(box.data / "linerec.db") == NEW_SCHEMA
    assert check_version(box.root / "current" / "venv" / "bin" / "python", box.data) is None
    answer = subprocess.run([str(box.root / "current" / "venv" / "bin" / "python"), "-I", "-m",
                             "firmware", "--version"], capture_output=True, text=True,
                            env=clean_environment(), check=True)
    assert answer.stdout.strip() == "linerec 0.2.0"

    assert main(box.args("--status")) == 0
    shown = capsys.readouterr().out
    assert "current     0.2.0" in shown
    assert "previous    0.1.0" in shown
    assert "updated to linerec 0.2.0" in box.log()
    assert box.state()["trial"] is None


def _add_call(database: Path, started_at: float) -> int:
    with sqlite3.connect(database, timeout=10) as connection:
        cursor = connection.execute(
            "INSERT INTO calls (line, direction, outcome, started_at, ended_at) "
            "VALUES (1, 'in', 'missed', ?, ?)", (started_at, started_at + 5))
        return cursor.lastrowid


def test_a_version_whose_engine_exits_is_rolled_back_with_the_database(box_on_old, releases):
    box = box_on_old
    database = box.data / "linerec.db"
    before = _add_call(database, 1_000_000.0)
    during, recorded = [], []
    services = CommandServices(shlex.split(box.services))

    class RecordingDuringTheTrial:
        """The services, and a call logged once the new version has migrated the database."""

        stop = services.stop

        def restart(self):
            services.restart()
            deadline = time.monotonic() + 15
            while box.current() == "0.3.0" and not during and time.monotonic() < deadline:
                if schema_of(database) == NEW_SCHEMA:
                    during.append(_add_call(database, 2_000_000.0))
                    recorded_call = _add_call(database, 2_000_100.0)
                    recorded.append(record(DataFolder(box.data), None, call_id=recorded_call,
                                           started_at=2_000_101.0))
                time.sleep(0.05)

    updater = box.updater()
    updater.services = RecordingDuringTheTrial()
    outcome = updater.update(releases["failing"], 8.0, 3, 1.0)
    assert outcome.status == 1, outcome
    assert outcome.message.startswith("linerec 0.3.0 failed its check: ")
    assert outcome.message.endswith("rolled back to linerec 0.1.0")
    assert box.current() == "0.1.0"
    assert box.state()["trial"] is None
    # the old version reads the database again: the schema is the snapshot's
    assert schema_of(database) == OLD_SCHEMA
    with sqlite3.connect(database) as connection:
        ids = [row[0] for row in connection.execute("SELECT id FROM calls")]
    assert before in ids
    assert during and during[0] not in ids
    # the migrated database is kept, with the call of the trial window
    aside = next((box.data / "backups").glob("update-rollback-*"))
    assert schema_of(aside / "linerec.db") == NEW_SCHEMA
    with sqlite3.connect(aside / "linerec.db") as connection:
        assert connection.execute("SELECT count(*) FROM calls WHERE id = ?",
                                  (during[0],)).fetchone() == (1,)
    assert "2 call(s) logged after the snapshot are in it" in box.log()
    # the recording made in the trial is indexed again, with its call, from its sidecar
    with sqlite3.connect(database) as connection:
        stem = recorded[0].relative.removesuffix(".wav")  # compressed since, maybe
        rows = connection.execute("SELECT call_id FROM recordings WHERE path LIKE ?",
                                  (f"{stem}.%",)).fetchall()
        assert rows == [(recorded[0].call_id,)]
        assert connection.execute("SELECT started_at FROM calls WHERE id = ?",
                                  (recorded[0].call_id,)).fetchone() == (2_000_101.0,)
    assert check_version(box.root / "current" / "venv" / "bin" / "python", box.data) is None


def test_rollback_by_hand_puts_the_database_back_only_when_asked(box_on_old, releases, capsys):
    box = box_on_old
    assert box.update(releases["new"]).status == 0
    assert main(box.args("--rollback")) == 2
    error = capsys.readouterr().err
    assert f"the database has schema {NEW_SCHEMA}, linerec 0.1.0 reads up to {OLD_SCHEMA}" in error
    assert "--restore-database" in error
    assert box.current() == "0.2.0"

    assert main(box.args("--rollback", "--restore-database")) == 0
    assert "rolled back to linerec 0.1.0" in capsys.readouterr().out
    assert box.current() == "0.1.0"
    assert schema_of(box.data / "linerec.db") == OLD_SCHEMA
    assert check_version(box.root / "current" / "venv" / "bin" / "python", box.data) is None


def test_only_the_last_versions_are_kept(box_on_old, releases):
    box = box_on_old
    assert box.update(releases["new"], keep=2).status == 0
    assert box.update(releases["newer"], keep=2).status == 0
    assert Root(box.root).installed() == ["0.2.0", "0.4.0"]
    snapshots = box.data / "backups" / "update"
    assert sorted(path.name for path in snapshots.iterdir()) == [
        "before-0.2.0.db", "before-0.4.0.db"]
    assert box.updater().status()["previous"] == "0.2.0"


# --- killed during an update -----------------------------------------------------------------


@pytest.fixture(scope="module")
def old_box(tmp_path_factory, releases):
    """A box on 0.1.0, its engine stopped: copied for each run below."""
    made = Box(tmp_path_factory.mktemp("old-box"))
    assert made.update(releases["old"]).status == 0
    subprocess.run([*shlex.split(made.services), "stop"], check=True)
    return made


def _run_update(box: Box, package: Path, within: float) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": f"{TREE}{os.pathsep}{TREE / 'tests'}"}
    code = ("import sys, update_support, firmware.cli.update as u\n"
            "from firmware.update.updater import Updater\n"
            "class T(Updater):\n"
            "    def __init__(self, *a, **k):\n"
            "        super().__init__(*a, installer=update_support.TreeInstaller(), **k)\n"
            "u.Updater = T\n"
            "from firmware.cli.commands import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    return subprocess.Popen([sys.executable, "-c", code, *box.args(str(package), within=within)],
                            env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# One kill of each kind in the default run; more, at other random points, in the slow one.
@pytest.mark.parametrize(("release", "run"), [
    ("new", 0),
    ("failing", 0),  # killed in its check or its rollback
    *(pytest.param("new", run, marks=pytest.mark.slow) for run in range(1, 6)),
    *(pytest.param("failing", run, marks=pytest.mark.slow) for run in range(1, 6)),
])
def test_an_update_killed_at_any_point_leaves_one_version_and_settles(
    tmp_path, old_box, releases, release, run
):
    box = Box(tmp_path)
    try:
        started_on_old(box, old_box)
        delay = random.Random(run).uniform(0.3, 9.0 if release == "new" else 14.0)
        update = _run_update(box, releases[release], 20.0 if release == "new" else 4.0)
        try:  # killed at ``delay``, unless it was over by then
            update.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            update.send_signal(signal.SIGKILL)
            update.wait()
        assert box.current() in ("0.1.0", {"new": "0.2.0", "failing": "0.3.0"}[release]), delay

        settled = subprocess.run(
            [sys.executable, "-m", "firmware", *box.args("--status", "--json")],
            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(TREE)},
            timeout=120, check=False)
        assert settled.returncode == 0, settled.stderr
        status = json.loads(settled.stdout)
        current = status["current"]
        assert current in (("0.1.0", "0.2.0") if release == "new" else ("0.1.0",)), delay
        assert box.state()["trial"] is None
        assert not list((box.root / "versions").glob("*/.installing"))
        assert current in status["installed"]
        readable = OLD_SCHEMA if current == "0.1.0" else NEW_SCHEMA
        assert schema_of(box.data / "linerec.db") == readable
        python = box.root / "current" / "venv" / "bin" / "python"
        deadline = time.monotonic() + 20
        while (problem := check_version(python, box.data)) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert problem is None, (delay, problem)
    finally:
        support.stop_engine(box.root)


def test_services_that_do_not_stop_leave_the_database_and_need_a_person(box_on_old, releases):
    box = box_on_old
    services = CommandServices(shlex.split(box.services))

    class NotStopping:
        restart = services.restart

        def stop(self):
            raise UpdateError("systemctl stop failed (exit status 1): Job canceled")

    updater = box.updater()
    updater.services = NotStopping()
    outcome = updater.update(releases["failing"], 6.0, 3, 1.0)
    assert outcome.status == 3
    assert "the services did not stop (systemctl stop failed" in outcome.message
    assert "the database was not restored" in outcome.message
    assert box.current() == "0.1.0"
    assert schema_of(box.data / "linerec.db") == NEW_SCHEMA  # left for a person
    assert box.state()["trial"] is None
    assert "the rollback needs a person" in box.log()


class _Cut(BaseException):
    """The power cut, in the middle of the check."""


def test_at_boot_recover_rolls_an_unconfirmed_update_back_without_waiting(box_on_old, releases):
    box = box_on_old

    def cut(python, data):
        raise _Cut

    with pytest.raises(_Cut):
        box.update(releases["new"], check=cut)
    assert box.current() == "0.2.0"
    assert box.state()["trial"]["to"] == "0.2.0"

    started = time.monotonic()
    assert main(box.args("--recover")) == 0
    assert time.monotonic() - started < 30
    assert box.current() == "0.1.0"
    assert box.state()["trial"] is None
    assert schema_of(box.data / "linerec.db") == OLD_SCHEMA
    assert "was interrupted (trial): rolling it back" in box.log()
    python = box.root / "current" / "venv" / "bin" / "python"
    deadline = time.monotonic() + 20
    while (problem := check_version(python, box.data)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert problem is None
