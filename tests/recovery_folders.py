"""Data folders in the states that fault trials found, for the recovery tests.

``record`` writes a recording as the recorder does (WAV and version 2
sidecar) and, unless told not to, its index row; ``office_folder`` builds a
box with many calls, a few recordings, customers, and a database snapshot
taken part-way; ``damage`` breaks its database in the ways a failing card
does. ``run_read_only`` runs commands on a data folder mounted read-only (in
a user and mount namespace, since the tests run as root and chmod does not
stop root).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from firmware.datafolder import DataFolder
from firmware.store.backups import backup_database
from firmware.store.db import Store
from firmware.store.recordings import RecordingFacts, RecordingFile

DAY = "2027/01/15"
BASE = 1_800_000_000.0  # 2027-01-15, a day with recordings


@dataclass(frozen=True)
class Recorded:
    relative: str
    sha256: str
    samples: int
    started_at: float
    ended_at: float
    call_id: int | None


def record(
    folder: DataFolder,
    store: Store | None,
    *,
    line: int = 1,
    call_id: int | None = None,
    call_started_at: float | None = None,
    started_at: float,
    seconds: float = 1.0,
    encoding: str = "alaw",
    tag: str | None = None,
    number: str | None = None,
) -> Recorded:
    """A finished recording: the file and its sidecar, and its index row if ``store``."""
    samples = int(seconds * 8000)
    relative = f"{DAY}/L{line}-{int(started_at)}-{tag or call_id or 'vox'}.wav"
    call = {}
    if call_id is not None:
        call = {
            "call_id": call_id,
            "direction": "in",
            "started_at": call_started_at if call_started_at is not None else started_at,
            "answered_at": started_at,
            "number": number or f"1380013{call_id:04d}",
        }
    facts = RecordingFacts(line, started_at, call=call)
    writer = RecordingFile(folder.recordings, relative, encoding, facts)
    width = 2 if encoding == "pcm16" else 1
    writer.append(bytes([0xD5 if width == 1 else 0]) * (samples * width))
    ended_at = started_at + seconds
    sha256 = writer.close(ended_at=ended_at)
    if store is not None:
        row = store.add_recording(line, relative, encoding, started_at, call_id=call_id)
        store.finish_recording(row, ended_at=ended_at, samples=samples, sha256=sha256)
    return Recorded(relative, sha256, samples, started_at, ended_at, call_id)


@dataclass
class Office:
    folder: DataFolder
    before_backup: list[Recorded] = field(default_factory=list)
    after_backup: list[Recorded] = field(default_factory=list)
    calls_without_recording: int = 0

    @property
    def recorded(self) -> list[Recorded]:
        return self.before_backup + self.after_backup


def office_folder(data: Path, *, snapshot: bool = True, busy_calls: int = 3000) -> Office:
    """A box that has been in use: many calls, customers, recordings before and after a
    database snapshot (when ``snapshot``)."""
    folder = DataFolder(data)
    folder.create()
    office = Office(folder)
    with Store(folder.database) as store:
        with store.transaction() as connection:
            connection.executemany(
                "INSERT INTO calls (line, direction, outcome, started_at, ended_at, number) "
                "VALUES (1, 'in', 'missed', ?, ?, '10086')",
                [(1000.0 + n, 1010.0 + n) for n in range(busy_calls)],
            )
            connection.executemany(
                "INSERT INTO customers (name, created_at, updated_at) VALUES (?, 0, 0)",
                [(f"customer {n}",) for n in range(3)],
            )
        office.calls_without_recording = busy_calls
        for n in range(7):
            if n == 4 and snapshot:
                backup_database(folder)
            kept = office.before_backup if n < 4 else office.after_backup
            kept.append(_answered_call(folder, store, BASE + 100 * n, line=1 + n % 2))
        with store.transaction() as connection:
            connection.executemany(
                "INSERT INTO customers (name, created_at, updated_at) VALUES (?, 0, 0)",
                [("added after the snapshot",), ("and another",)],
            )
    return office


def _answered_call(folder: DataFolder, store: Store, started_at: float, line: int) -> Recorded:
    """A call answered 3 s after it rang, recorded from the answer for 1 s, then ended."""
    call_id = store.start_call(line, "in", started_at=started_at, number="13800138000")
    store.update_call(call_id, answered_at=started_at + 3)
    recorded = record(
        folder,
        store,
        line=line,
        call_id=call_id,
        call_started_at=started_at,
        started_at=started_at + 3,
        number="13800138000",
    )
    store.end_call(call_id, "answered", ended_at=recorded.ended_at)
    return recorded


def damage(database: Path, how: str, seed: int = 1) -> None:
    """Break ``database`` as a failing card would: ``pages`` (garbage over a few pages in
    the middle), ``empty`` (zero length) or ``random`` (random bytes only)."""
    # Everything in the main file first: the damage lands on what a reader reads.
    for journal in (Path(f"{database}-wal"), Path(f"{database}-shm")):
        journal.unlink(missing_ok=True)
    garbage = random.Random(seed).randbytes
    if how == "pages":
        # Three pages of the recordings' table: what a failing card loses, the rest of
        # the file (its schema, the customers) still readable, so that the loss is counted.
        with contextlib.closing(sqlite3.connect(database)) as connection:
            size = connection.execute("PRAGMA page_size").fetchone()[0]
            pages = [row[0] for row in connection.execute(
                "SELECT pageno FROM dbstat WHERE name = 'recordings' ORDER BY pageno")]
        with database.open("r+b") as stream:
            for page in (pages[len(pages) // 2 :] or pages)[:3]:
                stream.seek((page - 1) * size)
                stream.write(garbage(size))
    elif how == "empty":
        database.write_bytes(b"")
    elif how == "random":
        database.write_bytes(garbage(64 * 1024))
    else:
        raise ValueError(how)


READ_ONLY_SCRIPT = """
import json, subprocess, sys
data, commands = sys.argv[1], json.loads(sys.argv[2])
subprocess.run(["mount", "--bind", data, data], check=True)
subprocess.run(["mount", "-o", "remount,bind,ro", data], check=True)
results = []
for command in commands:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    results.append([done.returncode, done.stdout, done.stderr])
print(json.dumps(results))
"""


def run_read_only(data: Path, commands: list[list[str]]) -> list[tuple[int, str, str]]:
    """Run each command (argv lists) while ``data`` is mounted read-only; their status,
    stdout and stderr. Skipped, with the reason, only where the kernel refuses (never in CI)."""
    if shutil.which("unshare") is None:
        _cannot("needs unshare (util-linux) for a read-only mount")
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        _cannot(f"no user namespaces here for a read-only mount: {probe.stderr.decode().strip()}")
    done = subprocess.run(
        ["unshare", "-rm", sys.executable, "-c", READ_ONLY_SCRIPT, str(data), json.dumps(commands)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr
    return [tuple(result) for result in json.loads(done.stdout)]


def _cannot(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    print(reason)
    pytest.skip(reason)


def linerec(*arguments: str) -> list[str]:
    """The ``linerec`` command line, as a process runs it."""
    return [sys.executable, "-m", "firmware", *arguments]


@dataclass
class Crashed:
    """A folder as a crash on a failing card leaves it, and what recovery must keep."""

    folder: DataFolder
    finished: dict[str, str]  # recordings closed before the crash: path -> SHA-256
    partial: dict[str, int]  # recordings cut off: path -> samples that reached the disk
    leftovers: list[Path]  # what a kill at a recording's start left: removed by recovery


def crashed_folder(data: Path, recordings: int = 40) -> Crashed:
    """Calls, recordings, a snapshot, then a database with damaged pages, recordings cut
    off mid-write, the leftovers of recordings killed as they started, a lost sidecar."""
    office = office_folder(data, busy_calls=2000)
    folder = office.folder
    crashed = Crashed(folder, {r.relative: r.sha256 for r in office.recorded}, {}, [])
    with Store(folder.database) as store:
        for n in range(recordings):
            recorded = record(folder, store, line=1 + n % 4, call_id=None,
                              started_at=BASE + 5000 + 10 * n, seconds=2.0, tag=f"more{n}")
            crashed.finished[recorded.relative] = recorded.sha256
        for n in range(4):
            relative = f"{DAY}/L{n + 1}-{int(BASE) + 9000 + n}-cut{n}.wav"
            writer = RecordingFile(folder.recordings, relative, "alaw",
                                   RecordingFacts(n + 1, BASE + 9000 + n),
                                   sync_interval=float("inf"))
            writer.append(b"\xd5" * (6000 + 1000 * n))
            writer._stream.close()  # killed: the audio is on the disk, the header says 0
            store.add_recording(n + 1, relative, "alaw", BASE + 9000 + n)
            crashed.partial[relative] = 6000 + 1000 * n
    day = folder.recordings / DAY
    empty = day / f"L1-{int(BASE) + 9500}-start.wav"
    empty.write_bytes(b"")
    temporary = day / f".{empty.stem}.json.x1y2z3w4"
    temporary.write_text('{"version": 2')
    header_only = RecordingFile(folder.recordings, f"{DAY}/L2-{int(BASE) + 9600}-start.wav",
                                "alaw", RecordingFacts(2, BASE + 9600), sync_interval=float("inf"))
    header_only._stream.close()
    crashed.leftovers = [empty, temporary, header_only.path, header_only.path.with_suffix(".json")]
    lost_sidecar = folder.recordings / office.recorded[0].relative
    lost_sidecar.with_suffix(".json").unlink()
    damage(folder.database, "pages")
    return crashed
