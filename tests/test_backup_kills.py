"""Kill trial: a backup killed (SIGKILL, rclone with it) at random moments, again and again.

After every kill: no finished recording on the box is lost or changed; no recording has
``backed_up_at`` unless its file in the target is whole and equal; the database is
sound. The next run resumes (sends only what was not verified yet) and completes.
5 kills by default; 30 in the slow form (``make test-full``).
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.backup_servers import add_recordings, add_target, record_short, require_rclone

ROOT = Path(__file__).resolve().parents[1]
# A run slowed down (small batches, a bandwidth limit) so that kills land inside it.
SLOW_RUN = """
import sys
import firmware.backup.run as run
run.BATCH_FILES = 4
run.EXTRA_COPY_FLAGS = ("--bwlimit", "300k")
from firmware.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): _sha256(p) for p in sorted(root.rglob("*"))
            if p.is_file()}


def _backup(data: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", SLOW_RUN, "backup", "--to", "usb", "--data", str(data)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own process group: the kill takes rclone too
    )


def _check(data: Path, usb: Path, recordings: dict[str, str]) -> int:
    """The trial's promises after a kill; returns how many recordings are marked."""
    assert _tree(data / "recordings") == recordings, "a recording on the box changed or went"
    connection = sqlite3.connect(data / "linerec.db")
    try:
        assert connection.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        marked = connection.execute(
            "SELECT path, sha256 FROM recordings WHERE backed_up_at IS NOT NULL"
        ).fetchall()
    finally:
        connection.close()
    box = next((path for path in usb.iterdir() if path.is_dir()), None)
    for path, digest in marked:
        copy = box / "recordings" / path
        assert copy.is_file() and _sha256(copy) == digest, f"{path} marked, not whole there"
        sidecar = copy.with_suffix(".json")
        assert _sha256(sidecar) == recordings[Path(path).with_suffix(".json").as_posix()]
    return len(marked)


def kill_trial(tmp_path: Path, kills: int, rng: np.random.Generator) -> None:
    require_rclone()
    data = record_short(tmp_path / "data", "kill-")
    add_recordings(data, 12, 2.0)
    usb = tmp_path / "usb"
    usb.mkdir()
    add_target(data, name="usb", kind="usb", path=str(usb), allow_same_disk=True)
    recordings = _tree(data / "recordings")
    total = len([path for path in recordings if path.endswith(".wav")])
    landed = 0
    for _ in range(kills):
        process = _backup(data)
        time.sleep(float(rng.uniform(0.2, 1.5)))
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            landed += 1
        process.wait(timeout=60)
        marked = _check(data, usb, recordings)
        if marked == total:  # all done already: start over in a fresh target
            break
    final = _backup(data)
    out, err = final.communicate(timeout=300)
    assert final.returncode == 0, out + err
    assert _check(data, usb, recordings) == total
    box = next(path for path in usb.iterdir() if path.is_dir())
    assert _tree(box / "recordings") == recordings
    assert landed >= 1, "no kill landed inside a run: the trial proved nothing"
    connection = sqlite3.connect(data / "linerec.db")
    try:
        outcomes = [row[0] for row in connection.execute(
            "SELECT outcome FROM backup_runs ORDER BY id")]
    finally:
        connection.close()
    assert outcomes[-1] == "verified"
    assert "running" not in outcomes  # every killed run was found and marked interrupted


def test_a_backup_killed_five_times_loses_nothing_and_resumes(tmp_path, rng):
    kill_trial(tmp_path, 5, rng)


@pytest.mark.slow
def test_a_backup_killed_thirty_times_loses_nothing_and_resumes(tmp_path, rng):
    kill_trial(tmp_path, 30, rng)
