"""Recovery of a data folder: files and index reconciled both ways, the whole
recovery after a crash, ``linerec recover`` / ``python -m recovery``, and the
rule that recovery runs without the engine, the DSP extension or numpy."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from firmware.cli.commands import main
from firmware.config import ConfigStore, default_config
from firmware.datafolder import DataFolder, EngineLock
from firmware.engine import Engine
from firmware.store.db import Store
from firmware.store.recordings import RecordingFile
from firmware.tools.wavfile import read_wav
from recovery.reconcile import reconcile


def test_reconcile_rebuilds_the_index_from_the_files(tmp_path, rng):
    root = tmp_path / "recordings"
    with Store(tmp_path / "first.db") as store:
        call_id = store.start_call(1, "in", started_at=1000.0, number="13800138000")
        store.update_call(call_id, answered_at=1003.0)
        meta = {
            "line": 1,
            "call_id": call_id,
            "started_at": 1003.0,
            "direction": "in",
            "number": "13800138000",
            "answered_at": 1003.0,
        }
        writer = RecordingFile(root, "2026/11/23/L1-20261123-100000-1.wav", "ulaw", meta)
        writer.append(bytes(rng.integers(0, 256, 8000, dtype=np.uint8)))
        writer.close(ended_at=1004.0)
    # The database is lost (restored from an old backup, say): a fresh one.
    with Store(tmp_path / "second.db") as store:
        report = reconcile(store, root)
        assert report.indexed == ["2026/11/23/L1-20261123-100000-1.wav"]
        assert not report.repaired and not report.missing
        row = store.recordings()[0]
        assert (row.line, row.encoding, row.samples, row.state) == (1, "ulaw", 8000, "complete")
        call = store.call(row.call_id)
        assert call.number == "13800138000"
        assert reconcile(store, root).clean  # a second pass finds nothing to do


def test_a_recording_indexed_again_keeps_the_marks_its_sidecar_lists(tmp_path):
    from firmware.store.recordings import RecordingFacts  # noqa: PLC0415

    root = tmp_path / "recordings"
    facts = RecordingFacts(1, 1003.0, call={"call_id": 4, "direction": "in"},
                           marks=[{"kind": "announcement", "start_s": 0.02, "end_s": 3.6},
                                  {"kind": "fireworks", "start_s": 1, "end_s": 2},
                                  {"kind": "announcement", "start_s": "soon", "end_s": 2}])
    writer = RecordingFile(root, "2026/11/23/L1-20261123-100000-4.wav", "alaw", facts)
    writer.append(b"\xd5" * 40000)
    writer.close(ended_at=1008.0)
    with Store(tmp_path / "linerec.db") as store:
        assert reconcile(store, root).indexed == ["2026/11/23/L1-20261123-100000-4.wav"]
        row = store.recordings()[0]
        assert [(m.kind, m.start_s, m.end_s) for m in store.recording_marks([row.id])] == [
            ("announcement", 0.02, 3.6)]


def test_reconcile_marks_rows_whose_file_is_gone_and_repairs_unfinished_files(tmp_path):
    root = tmp_path / "recordings"
    with Store(tmp_path / "linerec.db") as store:
        gone = store.add_recording(1, "2026/01/01/L1-gone.wav", "alaw", 1.0, state="complete")
        writer = RecordingFile(root, "2026/01/02/L1-20260102-000000-2.wav", "alaw", {"line": 1})
        writer.append(b"\xd5" * 12000)
        writer._stream.flush()  # crashed before the header caught up
        live = store.add_recording(1, "2026/01/02/L1-20260102-000000-2.wav", "alaw", 2.0)
        report = reconcile(store, root)
        assert report.missing == ["2026/01/01/L1-gone.wav"]
        assert report.repaired == ["2026/01/02/L1-20260102-000000-2.wav"]
        assert store.recording(gone).state == "missing"
        repaired = store.recording(live)
        assert (repaired.state, repaired.samples) == ("repaired", 12000)


# ---- the whole recovery of a data folder --------------------------------------------


@dataclass(frozen=True)
class Crash:
    """What a crash left in a data folder (paths relative to its recordings folder)."""

    folder: DataFolder
    open_call: int  # a call still "in progress"
    unfinished: str  # still "recording": audio on the disk, the header never caught up
    unfinished_row: int
    gone: str  # in the index, file gone
    gone_row: int
    unindexed: str  # a complete file the index does not have


def crash(data: Path) -> Crash:
    folder = DataFolder(data)
    folder.create()
    with Store(folder.database) as store:
        call_id = store.start_call(1, "in", started_at=1000.0, number="13800138000")
        store.update_call(call_id, answered_at=1003.0)
        unfinished = "2026/01/02/L1-20260102-100003-1.wav"
        metadata = {"line": 1, "call_id": call_id, "started_at": 1003.0}
        writer = RecordingFile(
            folder.recordings, unfinished, "alaw", metadata, sync_interval=float("inf")
        )
        writer.append(b"\xd5" * 12000)
        writer._stream.close()  # the process died: the audio reached the file, the header not
        unfinished_row = store.add_recording(1, unfinished, "alaw", 1003.0, call_id=call_id)
        gone = "2026/01/01/L2-20260101-090000-7.wav"
        gone_row = store.add_recording(2, gone, "alaw", 500.0, state="complete")
    # A complete recording made after the database's last good state (a backup restored).
    unindexed = "2026/01/01/L2-20260101-100000-8.wav"
    writer = RecordingFile(folder.recordings, unindexed, "pcm16", {"line": 2, "started_at": 600.0})
    writer.append(bytes(1600))
    writer.close(ended_at=600.1)
    assert read_wav(folder.recordings / unfinished).truncated  # the header is stale
    return Crash(folder, call_id, unfinished, unfinished_row, gone, gone_row, unindexed)


def recover_command(data: Path, capsys) -> tuple[int, list[str], str]:
    """``linerec recover --data <data>``: its status, its output lines and its stderr."""
    status = main(["recover", "--data", str(data)])
    output = capsys.readouterr()
    return status, output.out.splitlines(), output.err


def test_a_whole_folder_has_nothing_to_recover(tmp_path, capsys):
    folder = DataFolder(tmp_path / "data")
    folder.create()
    with Store(folder.database) as store:
        call_id = store.start_call(1, "in", started_at=1000.0)
        store.end_call(call_id, "missed", ended_at=1010.0)
        path = "2026/01/01/L1-20260101-100000-1.wav"
        writer = RecordingFile(folder.recordings, path, "alaw", {"line": 1, "call_id": call_id})
        writer.append(b"\xd5" * 800)
        sha256 = writer.close(ended_at=1001.1)
        row = store.add_recording(1, path, "alaw", 1001.0, call_id=call_id)
        store.finish_recording(row, ended_at=1001.1, samples=800, sha256=sha256)
    status, lines, err = recover_command(folder.root, capsys)
    assert status == 0
    assert lines == [f"{folder.root}: nothing to recover"]
    assert err == ""


def test_a_new_folder_has_nothing_to_recover_and_gets_no_database(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    status, lines, _ = recover_command(data, capsys)
    assert (status, lines) == (0, [f"{data}: nothing to recover"])
    assert not DataFolder(data).database.exists()


def test_after_a_crash_every_finding_is_reported_and_fixed(tmp_path, capsys):
    crashed = crash(tmp_path / "data")
    recordings = crashed.folder.recordings
    status, lines, err = recover_command(crashed.folder.root, capsys)
    assert status == 1
    assert err == ""
    assert lines[0].startswith("closed      1 call left in progress")
    assert lines[1].startswith(f"repaired    {recordings / crashed.unfinished}: ")
    assert lines[2].startswith(f"re-indexed  {recordings / crashed.unindexed}: ")
    assert lines[3].startswith(f"missing     {recordings / crashed.gone}: ")
    assert lines[4] == (
        f"{crashed.folder.root}: found and fixed problems: "
        "1 call closed, 1 recording repaired, 1 re-indexed, 1 marked missing"
    )
    assert len(lines) == 5
    with Store(crashed.folder.database) as store:
        call = store.call(crashed.open_call)
        assert call.outcome == "answered"
        assert call.ended_at is not None
        repaired = store.recording(crashed.unfinished_row)
        assert (repaired.state, repaired.samples) == ("repaired", 12000)
        assert store.recording(crashed.gone_row).state == "missing"
        indexed = store.recording_by_path(crashed.unindexed)
        assert (indexed.line, indexed.encoding, indexed.samples) == (2, "pcm16", 800)
        assert indexed.state == "complete"
    audio = read_wav(recordings / crashed.unfinished)
    assert audio.samples.size == 12000
    assert not audio.truncated


def test_a_second_run_finds_nothing_to_do(tmp_path, capsys):
    crashed = crash(tmp_path / "data")
    assert recover_command(crashed.folder.root, capsys)[0] == 1
    status, lines, _ = recover_command(crashed.folder.root, capsys)
    assert (status, lines) == (0, [f"{crashed.folder.root}: nothing to recover"])


def test_a_recording_beyond_repair_is_reported_every_time_and_left_as_found(tmp_path, capsys):
    folder = DataFolder(tmp_path / "data")
    broken = folder.recordings / "2026/01/01/L1-20260101-100000-1.wav"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"RIF")
    for _ in range(2):
        status, lines, _ = recover_command(folder.root, capsys)
        assert status == 1
        assert lines[0] == f"damaged     {broken}: no usable WAV header; the audio is lost"
        assert lines[1].startswith(f"{folder.root}: 1 recording damaged beyond repair")
        assert "found and fixed" not in lines[1]
        assert broken.read_bytes() == b"RIF"


def test_recovery_refuses_while_an_engine_holds_the_folder(tmp_path, capsys):
    crashed = crash(tmp_path / "data")
    lock = EngineLock(crashed.folder)
    lock.acquire()
    try:
        status, lines, err = recover_command(crashed.folder.root, capsys)
    finally:
        lock.release()
    assert status == 2
    assert lines == []
    assert err.count("\n") == 1
    assert err.startswith(f"linerec: error: another engine (process {os.getpid()}) already runs")
    with Store(crashed.folder.database) as store:
        assert store.call(crashed.open_call).outcome == "in_progress"  # nothing was touched


@pytest.mark.parametrize("made", ["nothing", "a file"])
def test_a_data_folder_that_is_not_one_is_refused_in_one_line(tmp_path, capsys, made):
    data = tmp_path / "data"
    if made == "a file":
        data.write_text("not a folder")
    status, lines, err = recover_command(data, capsys)
    assert status == 2
    assert lines == []
    assert err.count("\n") == 1
    assert f"data folder {data} " in err
    assert data.exists() == (made == "a file")  # recovery never makes a data folder


def test_a_database_that_cannot_be_opened_is_kept_aside_and_rebuilt(tmp_path, capsys):
    folder = DataFolder(tmp_path / "data")
    folder.create()
    folder.database.write_bytes(b"this is no SQLite database " * 200)
    status, lines, err = recover_command(folder.root, capsys)
    assert (status, err) == (1, "")
    kept = next(folder.damaged.glob("linerec-*.db"))
    assert lines[0] == (
        f"database    {folder.database}: damaged (file is not a database); kept at {kept}"
    )
    assert kept.read_bytes() == b"this is no SQLite database " * 200
    with Store(folder.database) as store:
        assert store.recordings() == []


def test_python_dash_m_recovery_runs_the_same_recovery(tmp_path):
    crashed = crash(tmp_path / "data")
    command = [sys.executable, "-m", "recovery", "--data", str(crashed.folder.root)]
    first = subprocess.run(command, capture_output=True, text=True, check=False)
    assert first.returncode == 1, first.stderr
    assert f"repaired    {crashed.folder.recordings / crashed.unfinished}: " in first.stdout
    second = subprocess.run(command, capture_output=True, text=True, check=False)
    assert (second.returncode, second.stdout) == (0, f"{crashed.folder.root}: nothing to recover\n")
    missing = subprocess.run(
        [sys.executable, "-m", "recovery", "--data", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 2
    assert missing.stderr == f"recovery: error: data folder {tmp_path / 'nowhere'} does not exist\n"


def test_the_engine_recovers_the_folder_as_it_starts(tmp_path, caplog):
    crashed = crash(tmp_path / "data")
    ConfigStore(crashed.folder.root).save(default_config(0))
    engine = Engine(crashed.folder.root, lambda line: pytest.fail(f"no line to open: {line}"))
    with caplog.at_level(logging.WARNING, logger="firmware.engine.engine"):
        engine.start()
        engine.stop()
    # The log says what linerec recover would print, line by line.
    assert (
        f"recovery: {crashed.folder.root}: found and fixed problems: 1 call closed, "
        "1 recording repaired, 1 re-indexed, 1 marked missing"
    ) in caplog.messages
    assert sum(message.startswith("recovery: ") for message in caplog.messages) == 5
    with Store(crashed.folder.database) as store:
        assert store.call(crashed.open_call).outcome == "answered"
        assert store.recording(crashed.unfinished_row).state == "repaired"


# ---- the import rule ----------------------------------------------------------------

FORBIDDEN = ("firmware.engine", "firmware.link", "firmware.cli", "drivers", "dsp_ext", "webui")


def loaded_in_a_fresh_interpreter(code: str) -> set[str]:
    """The modules ``code`` (which imports what it tests) leaves loaded, by name."""
    result = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(result.stdout.split())


def test_recovery_loads_without_the_engine_the_dsp_extension_or_numpy():
    loaded = loaded_in_a_fresh_interpreter(
        "import pkgutil, importlib, recovery\n"
        "for module in pkgutil.iter_modules(recovery.__path__, 'recovery.'):\n"
        "    if module.name != 'recovery.__main__':\n"
        "        importlib.import_module(module.name)"
    )
    assert {"recovery.cli", "recovery.folder", "recovery.reconcile"} <= loaded
    forbidden = {
        name
        for name in loaded
        if name == "numpy"
        or name.startswith("numpy.")
        or any(name == top or name.startswith(f"{top}.") for top in FORBIDDEN)
    }
    assert forbidden == set()


def test_the_store_and_the_configuration_do_not_load_recovery():
    loaded = loaded_in_a_fresh_interpreter(
        "import pkgutil, importlib, firmware.config, firmware.store\n"
        "for module in pkgutil.iter_modules(firmware.store.__path__, 'firmware.store.'):\n"
        "    importlib.import_module(module.name)"
    )
    assert "firmware.store.recordings" in loaded
    assert not any(name == "recovery" or name.startswith("recovery.") for name in loaded)
