"""The hash chain in the running box: the engine's ``chain`` thread over a simulated office,
and recovery, which reads and extends the chain without ``cryptography``."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time

from firmware.cli.commands import main as linerec
from firmware.cli.processes import open_configured_line
from firmware.datafolder import DataFolder
from firmware.engine import Engine
from firmware.engine import chain as chain_service
from firmware.simulation.office import Office
from firmware.simulation.scenario import load
from firmware.simulation.sounds import box_sounds
from firmware.store import chain, integrity
from firmware.store.backups import backup_database
from firmware.store.db import Store
from firmware.store.signing import Signer
from recovery import recover_data_folder
from tests.chain_box import chained_box, record_call
from tests.engine_config import configure
from tests.recovery_folders import BASE, damage


def _play(data, prefix: str, *, before_stop=None) -> Engine:
    office = Office(load("short"), box_sounds(), speed=0, prefix=prefix)
    engine = Engine(data, lambda line: open_configured_line(line, prefix))
    engine.start()
    assert "chain" in {thread.name for thread in threading.enumerate()}
    office.start()
    office.join(timeout=120)
    assert engine.wait(timeout=60), "the lines did not finish"
    if before_stop is not None:
        before_stop(engine)
    engine.stop()
    return engine


def _chained_while_running(engine: Engine) -> None:
    """Both recordings reach the chain by the thread's own scan, before any stop."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        kinds = [entry.kind for entry in chain.entries(engine.store)]
        if kinds.count("recording") == 2:
            return
        time.sleep(0.1)
    raise AssertionError(f"not chained while the engine ran: {kinds}")


def test_the_engine_chains_an_offices_recordings_and_signs_the_head(tmp_path, capsys):
    configure(tmp_path, 2)
    _play(tmp_path, "chain-", before_stop=_chained_while_running)
    folder = DataFolder(tmp_path)
    with Store(folder.database) as store:
        recordings = store.recordings()
        entries = [entry for entry in chain.entries(store) if entry.kind == "recording"]
        signed = chain.latest_signature(store)
        head = chain.head(store)
        report = integrity.verify(folder, store)
    assert len(recordings) == 2
    finished = sorted(recordings, key=lambda row: (row.ended_at, row.id))
    assert [entry.recording_id for entry in entries] == [row.id for row in finished]
    for entry, row in zip(entries, finished, strict=True):
        facts = entry.fact
        assert (facts["sha256"], facts["samples"], facts["path"]) == (row.sha256, row.samples,
                                                                     row.path)
    assert signed is not None and signed.seq == head.seq  # signed at stop, at the latest
    assert report.intact and {check.verdict for check in report.recordings} == {"intact"}
    assert all(check.signed for check in report.recordings)
    assert linerec(["verify", "--data", str(tmp_path)]) == 0
    assert "2 checked: 2 intact" in capsys.readouterr().out


def test_a_chain_that_cannot_be_written_never_stops_a_line(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(chain_service.chain, "chain_pending", refuse)
    configure(tmp_path, 2)
    engine = _play(tmp_path, "nochain-")
    problems = {problem.what: problem for problem in engine.storage_problems.recent()}
    assert "database is locked" in problems["the hash chain"].error
    with Store(tmp_path / "linerec.db") as store:
        assert len(store.recordings()) == 2 and chain.head(store) is None
    monkeypatch.undo()
    with Store(tmp_path / "linerec.db") as store:  # what the next start catches up
        assert len(chain.chain_pending(store).appended) == 2


def test_a_rebuilt_database_keeps_the_chain_of_its_snapshot_and_says_what_came_after(tmp_path):
    box = chained_box(tmp_path / "data", 2)
    folder, store = box.folder, box.store
    backup_database(folder)
    record_call(folder, store, BASE + 5000)  # after the snapshot: back from its sidecar
    chain.chain_pending(store, Signer(folder))
    before = chain.head(store).seq  # 2 recordings, the key, the later one
    box.close()
    damage(folder.database, "random")
    rebuilt_at = BASE + 9000
    report = recover_data_folder(folder, rebuilt_at)
    assert report.database is not None and report.database.backup is not None
    with Store(folder.database) as store:
        entries = list(chain.entries(store))
        assert [entry.kind for entry in entries] == ["recording", "recording", "key", "rebuilt"]
        assert entries[-1].fact["snapshot"] == report.database.backup.name
        again = chain.chain_pending(store)  # what the engine's next start does
        (rechained,) = again.appended
        relative = rechained.fact["path"]
        assert relative == store.recording(rechained.recording_id).path
        checked = integrity.verify(folder, store)
    assert before == 4 and rechained.seq == 5  # the lost entry 4 is entry 5 now, after it
    assert checked.intact
    notes = "\n".join(str(text) for text in checked.chain.notes)
    assert "the database was rebuilt at entry 4" in notes
    assert "entries 5 to 5 were appended after it, 1 of them for recordings made before it" in (
        notes)
    (after,) = [c for c in checked.recordings if c.recording_id == rechained.recording_id]
    assert "chained again (entry 5) after the database was rebuilt (entry 4)" in str(
        after.texts[-1])


BLOCK_CRYPTOGRAPHY = """
import json, sys
from pathlib import Path
from recovery import recover_data_folder
from firmware.datafolder import DataFolder
from firmware.store import chain
from firmware.store.db import Store
report = recover_data_folder(DataFolder(sys.argv[1]), 1_900_000_000.0)
with Store(Path(sys.argv[1]) / "linerec.db") as store:
    kinds = [entry.kind for entry in chain.entries(store)]
    walked = chain.walk(store)
print(json.dumps({"kinds": kinds, "intact": walked.broken is None,
                  "cryptography": "cryptography" in sys.modules,
                  "rebuilt": report.database is not None}))
"""


def test_recovery_reads_and_extends_the_chain_without_cryptography(tmp_path):
    box = chained_box(tmp_path / "data", 2)
    backup_database(box.folder)
    box.close()
    damage(box.folder.database, "random")
    blocker = tmp_path / "blocked" / "cryptography"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('cryptography is broken here')\n")
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocker.parent), os.getcwd()])}
    done = subprocess.run(
        [sys.executable, "-c", BLOCK_CRYPTOGRAPHY, str(box.folder.root)],
        capture_output=True, text=True, timeout=60, env=environment, check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found == {"kinds": ["recording", "recording", "key", "rebuilt"], "intact": True,
                     "cryptography": False, "rebuilt": True}
    command = subprocess.run(
        [sys.executable, "-m", "recovery", "--data", str(box.folder.root)],
        capture_output=True, text=True, timeout=60, env=environment, check=False,
    )
    assert command.returncode == 0, command.stdout + command.stderr
