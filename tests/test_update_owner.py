"""linerec update run as root on a data folder that is another user's (the box: root runs
the update, the folder is linerec's): the version's commands run as the folder's owner, and
what the update made in the folder is handed to that owner."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from test_update_bundle import wheelhouse

from firmware.cli.commands import main
from firmware.cli.update import DEFAULT_DATA, default_data
from firmware.datafolder import DataFolder
from firmware.update import bundle
from firmware.update.updater import Updater, _run, as_owner, data_owner, hand_back

NOBODY = 65534


@pytest.fixture
def folder(tmp_path) -> DataFolder:
    if os.geteuid() != 0:
        pytest.skip("handing files over is root's")
    tmp_path.chmod(0o755)
    data = tmp_path / "data"
    data.mkdir()
    os.chown(data, NOBODY, NOBODY)
    return DataFolder(data)


class NoServices:
    def stop(self) -> None:
        raise AssertionError("nothing to stop")

    def restart(self) -> None:
        raise AssertionError("nothing to restart")


def test_the_owner_is_the_folders_when_root_runs_it(folder, tmp_path):
    assert data_owner(folder.root) == (NOBODY, NOBODY)
    assert data_owner(tmp_path) is None  # root's own folder: nothing to hand over
    assert as_owner(folder.root) == {"user": NOBODY, "group": NOBODY, "extra_groups": []}
    said = _run(["/bin/sh", "-c", "id -u; id -G"], 30, "id", owner_of=folder.root)
    assert said.stdout.split() == [str(NOBODY), str(NOBODY)]  # none of root's groups


def test_what_root_made_where_an_update_writes_goes_to_the_owner(folder):
    made = [folder.database, folder.database.with_name(folder.database.name + "-wal"),
            folder.config, folder.logs / "update.log", folder.update_snapshots / "before-1.db",
            folder.update_rollback_backup("20260101-000000") / "linerec.db"]
    for path in made:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    elsewhere = folder.root / "recordings" / "call.wav"
    elsewhere.parent.mkdir()
    elsewhere.write_text("x")
    hand_back(folder)
    for path in made:
        for place in (path, path.parent):
            assert (place.stat().st_uid, place.stat().st_gid) == (NOBODY, NOBODY), place
    assert elsewhere.stat().st_uid == 0  # not the update's: left as it is


def test_settle_hands_its_log_to_the_owner(folder, tmp_path):
    root = tmp_path / "root"
    (root / "versions" / "0.2.0" / ".installing").parent.mkdir(parents=True)
    (root / "versions" / "0.2.0" / ".installing").touch()
    done = Updater(root, folder.root, NoServices(), say=lambda text: None).settle(check=False)
    assert done == "removed a half-installed version"
    log = folder.logs / "update.log"
    assert "a version whose install was interrupted" in log.read_text()
    assert (log.stat().st_uid, folder.logs.stat().st_uid) == (NOBODY, NOBODY)
    assert (root / "update.lock").stat().st_uid == 0  # the install root stays root's


def test_the_data_folder_is_the_installed_box_s(monkeypatch):
    monkeypatch.setenv("LINEREC_DATA", "/srv/linerec")
    assert default_data() == Path("/srv/linerec")
    monkeypatch.delenv("LINEREC_DATA")
    assert default_data() == DEFAULT_DATA


class FakeInstaller:
    """A venv whose python answers linerec's --version and the schema probe."""

    def install(self, wheels: Path, requirement: str, venv: Path) -> None:
        python = venv / "bin" / "python"
        python.parent.mkdir(parents=True)
        python.write_text('#!/bin/sh\ncase "$*" in *--version*) echo "linerec 0.2.0" ;; '
                          '*) echo 3 ;; esac\n')
        python.chmod(0o755)


def test_a_version_root_installs_is_readable_by_the_box_user(folder, tmp_path):
    wheels = wheelhouse(tmp_path / "wheels")
    made = bundle.make(wheels, tmp_path / "out", "pi")
    root = tmp_path / "root"
    before = os.umask(0o077)  # linerec's commands' own
    try:
        version = Updater(root, folder.root, NoServices(), installer=FakeInstaller(),
                          say=lambda text: None).install(made)
    finally:
        os.umask(before)
    assert version == "0.2.0"
    for path in (root, root / "versions", root / "versions" / "0.2.0",
                 root / "versions" / "0.2.0" / "venv" / "bin"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o755, path
    assert stat.S_IMODE((root / "versions" / "0.2.0" / "manifest.json").stat().st_mode) == 0o644
    assert os.umask(before) == before  # put back


def test_a_data_disk_that_did_not_mount_is_left_alone(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LINEREC_DATA_DISK", "yes")
    root = tmp_path / "root"
    (root / "versions" / "0.2.0").mkdir(parents=True)
    (root / "versions" / "0.2.0" / ".installing").touch()
    data = tmp_path / "mnt" / "linerec"  # on the same file system as / here
    if os.stat(tmp_path).st_dev != os.stat("/").st_dev:
        pytest.skip("the temporary folder is on a file system of its own here")
    assert main(["update", "--recover", "--root", str(root), "--data", str(data)]) == 2
    assert "is on the system's own disk" in capsys.readouterr().err
    assert (root / "versions" / "0.2.0" / ".installing").exists()  # nothing settled
    assert not data.exists()
