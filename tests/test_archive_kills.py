"""A process compressing recordings, killed (SIGKILL) at every step and at random moments:
after recovery no finished recording is lost, none is left half-compressed (two files, a
temporary file, a row or sidecar on the wrong file), and every row's file matches its hash.

The step kills die right after each step of ``firmware.archive.transcode``; the random
ones at any moment of a run over twelve recordings, five by default, thirty with
``make test-full``. Each kill is followed by recovery (``recover_data_folder``, as the
engine's start runs it), and at the end one whole run finishes every recording.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from firmware.datafolder import DataFolder
from firmware.store.db import Store
from recovery import recover_data_folder
from tests.archive_support import STEPS, compress_all, make_recordings, problems_of

ROOT = Path(__file__).resolve().parents[1]
KILLS_DEFAULT = 5
KILLS_FULL = 30
ARCHIVE_AFTER_DAYS = 5  # as the child's: the older recordings go on to the long-archive tier


def child(data: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.archive_support", str(data), *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def recover_and_check(folder: DataFolder, made):
    report = recover_data_folder(folder, time.time())
    assert not report.damaged and not report.missing, report
    assert problems_of(folder, made) == []
    again = recover_data_folder(folder, time.time())
    assert again.clean, again  # idempotent: nothing left to do
    return report


# What recovery finds after a kill right after each step: (temporary files removed,
# compressions finished, new files never recorded and removed).
FOUND_AFTER = {
    "verify_source": (0, 0, 0),
    "write_partial": (1, 0, 0),
    "put_in_place": (0, 0, 1),
    "commit": (0, 1, 0),
    "point_sidecar": (0, 1, 0),
    "remove_source": (0, 0, 0),
}


def finish_and_check(folder: DataFolder, made) -> None:
    """One whole run, as the next start of the engine would make it (in this process)."""
    compress_all(folder)
    compress_all(folder, archive_after_days=ARCHIVE_AFTER_DAYS)
    assert problems_of(folder, made) == []
    with Store(folder.database) as store:
        rows = [store.recording(item.recording_id) for item in made]
    # The older half went on to the long-archive tier (over 5 days old), the rest standard.
    tiers = sorted({(row.stored_tier, Path(row.path).suffix) for row in rows})
    assert tiers == [("archive", ".oga"), ("standard", ".opus")], tiers


@pytest.mark.parametrize("step", STEPS)
def test_a_kill_after_each_step_is_recovered(tmp_path, rng, step):
    folder = DataFolder(tmp_path / "data")
    made = make_recordings(folder, 3, rng, seconds=(2.0, 4.0))
    process = child(folder.root, "--kill-after", step)
    out, err = process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL, (out, err)
    report = recover_and_check(folder, made)
    found = (len(report.partials_removed), len(report.transcodes_finished),
             len(report.transcodes_undone))
    assert found == FOUND_AFTER[step], report
    finish_and_check(folder, made)


def _random_kills(tmp_path, rng, kills: int) -> None:
    folder = DataFolder(tmp_path / "data")
    made = make_recordings(folder, 12, rng)
    for _ in range(kills):
        process = child(folder.root)
        assert process.stdout.readline().strip() == "ready"
        time.sleep(float(rng.uniform(0.0, 0.6)))
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        recover_and_check(folder, made)
    finish_and_check(folder, made)


def test_random_kills_while_compressing_lose_nothing(tmp_path, rng):
    _random_kills(tmp_path, rng, KILLS_DEFAULT)


@pytest.mark.slow
def test_thirty_random_kills_while_compressing_lose_nothing(tmp_path, rng):
    _random_kills(tmp_path, rng, KILLS_FULL)
