"""The installed box's data folder: ``$LINEREC_DATA`` as every command's default, and with
``LINEREC_DATA_DISK=yes`` never a folder on the system's own disk (a data disk that did
not mount leaves an empty mount point on the SD card: the box must not record there)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from firmware.datafolder import DataDiskError, DataFolder, default_data_folder
from tests.engine_config import configure

ON_SYSTEM_DISK = "is on the system's own disk, not on the data disk: is the data disk mounted?"


def same_disk_as_root(path: Path) -> bool:
    return os.stat(path).st_dev == os.stat("/").st_dev


@pytest.fixture
def system_disk_folder(tmp_path) -> Path:
    if not same_disk_as_root(tmp_path):
        pytest.skip(f"{tmp_path} is not on the file system of / here")
    return tmp_path


@pytest.fixture
def other_disk_folder():
    """A folder on a file system other than /'s (a tmpfs stands for the data disk)."""
    for base in ("/dev/shm", "/run"):
        if os.path.isdir(base) and os.access(base, os.W_OK) and not same_disk_as_root(Path(base)):
            with tempfile.TemporaryDirectory(dir=base) as folder:
                yield Path(folder)
            return
    pytest.skip("no writable file system other than /'s here (/dev/shm, /run)")


def test_linerec_data_is_the_default_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("LINEREC_DATA", raising=False)
    assert default_data_folder() == Path("data")
    monkeypatch.setenv("LINEREC_DATA", str(tmp_path))
    assert default_data_folder() == tmp_path


def test_every_command_takes_its_folder_from_linerec_data(tmp_path):
    configure(tmp_path, 2)
    environment = {**os.environ, "LINEREC_DATA": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "firmware", "check-config"], cwd=tmp_path.parent,
        env=environment, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{tmp_path / 'config.json'}: OK (2 lines, country CN)"
    recover = subprocess.run(
        [sys.executable, "-m", "recovery"], env=environment, capture_output=True, text=True,
        timeout=60, check=False,
    )
    assert recover.stdout.strip() == f"{tmp_path}: nothing to recover", recover.stderr


def test_without_the_setting_any_folder_will_do(monkeypatch, system_disk_folder):
    monkeypatch.delenv("LINEREC_DATA_DISK", raising=False)
    DataFolder(system_disk_folder).check()
    monkeypatch.setenv("LINEREC_DATA_DISK", "no")
    DataFolder(system_disk_folder).check()


def test_a_folder_on_the_system_disk_is_refused_and_nothing_is_made(monkeypatch,
                                                                    system_disk_folder):
    monkeypatch.setenv("LINEREC_DATA_DISK", "yes")
    with pytest.raises(DataDiskError) as refused:
        DataFolder(system_disk_folder).check()
    assert str(refused.value) == (
        f"data folder {system_disk_folder} {ON_SYSTEM_DISK} (LINEREC_DATA_DISK=yes: the box "
        "records only onto its data disk)"
    )
    # The mount point is there, empty: the folder would be made on the SD card.
    inside = system_disk_folder / "mnt" / "linerec"
    inside.parent.mkdir()
    with pytest.raises(DataDiskError):
        DataFolder(inside).check(create=True)
    assert not inside.exists()


def test_a_folder_on_its_own_disk_is_taken(monkeypatch, other_disk_folder):
    monkeypatch.setenv("LINEREC_DATA_DISK", "yes")
    DataFolder(other_disk_folder).check()
    made = DataFolder(other_disk_folder / "linerec")
    made.check(create=True)
    assert made.root.is_dir()


WEB = ["web", "--http", "--host", "127.0.0.1"]


@pytest.mark.parametrize("command", [["engine"], ["recover"], ["status"], WEB])
def test_no_process_of_the_box_starts_without_its_data_disk(command, system_disk_folder):
    configure(system_disk_folder, 1)
    environment = {**os.environ, "LINEREC_DATA": str(system_disk_folder),
                   "LINEREC_DATA_DISK": "yes"}
    result = subprocess.run(
        [sys.executable, "-m", "firmware", *command], env=environment, capture_output=True,
        text=True, timeout=60, check=False,
    )
    assert result.returncode == 2, result
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1, result.stderr  # one line, no traceback
    assert ON_SYSTEM_DISK in errors[0]
    assert not (system_disk_folder / "linerec.db").exists()
    assert not (system_disk_folder / "engine.lock").exists()
