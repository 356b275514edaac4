"""Recovery of what fault trials found: a damaged database rebuilt from its snapshot and the
sidecars, the leftovers of a kill at a recording's start, an index rebuilt with the right
times and calls, sidecars written again, an index never wiped by a disk that did not
mount, database snapshots, and the factory reset."""

from __future__ import annotations

import json
import logging
import signal
import sqlite3
import subprocess
import time

import numpy as np
import pytest

from firmware.cli.commands import main
from firmware.config import ConfigStore, default_config
from firmware.datafolder import DataFolder, EngineLock
from firmware.engine import Engine
from firmware.engine.recorder import LineRecorder
from firmware.engine.snapshots import DailySnapshots
from firmware.store import backups
from firmware.store.backups import (
    BackupError,
    backup_database,
    config_copies,
    latest_database_backup,
)
from firmware.store.db import Store
from firmware.store.recordings import (
    RecordingFacts,
    RecordingFile,
    file_sha256,
    read_sidecar,
    recording_files,
    sidecar_path,
)
from firmware.store.wavformat import wav_header
from firmware.tools.wavfile import write_wav
from recovery import database as recovery_database
from recovery.errors import RecoveryError
from tests.recovery_folders import BASE, DAY, damage, linerec, office_folder, record


def recover(data, capsys, *extra: str) -> tuple[int, list[str], str]:
    status = main(["recover", "--data", str(data), *extra])
    output = capsys.readouterr()
    return status, output.out.splitlines(), output.err


def index_of(folder: DataFolder) -> dict[str, tuple]:
    """Each indexed recording: (started_at, ended_at, samples, sha256, state, its call's
    (started_at, ended_at, outcome, number))."""
    with Store(folder.database) as store:
        found = {}
        for row in store.recordings():
            call = store.call(row.call_id) if row.call_id is not None else None
            facts = (call.started_at, call.ended_at, call.outcome, call.number) if call else None
            found[row.path] = (row.started_at, row.ended_at, row.samples, row.sha256, row.state,
                               facts)
        return found


def expected_index(office) -> dict[str, tuple]:
    return {
        recorded.relative: (
            recorded.started_at,
            recorded.ended_at,
            recorded.samples,
            recorded.sha256,
            "complete",
            (recorded.started_at - 3, recorded.ended_at, "answered", "13800138000"),
        )
        for recorded in office.recorded
    }


# ---- 1. a damaged database ---------------------------------------------------------------


@pytest.mark.parametrize("how", ["pages", "empty", "random"])
def test_a_damaged_database_is_kept_aside_and_rebuilt_with_every_recording(tmp_path, capsys, how):
    office = office_folder(tmp_path / "data")
    folder = office.folder
    damage(folder.database, how)
    damaged_bytes = folder.database.read_bytes()

    status, lines, err = recover(folder.root, capsys)

    assert (status, err) == (1, "")
    assert lines[0].startswith(f"database    {folder.database}: damaged (")
    kept = sorted(folder.damaged.glob("linerec-*.db"))
    assert len(kept) == 1 and kept[0].read_bytes() == damaged_bytes  # kept, as it was
    assert f"; kept at {kept[0]}" in lines[0]
    snapshot = latest_database_backup(folder)
    assert lines[1].startswith(f"restored    {folder.database} from the snapshot {snapshot} (")
    assert lines[2] == "re-indexed  3 recordings and 3 calls from their sidecars"
    assert lines[3].startswith("lost        against the old database: ")
    assert lines[-1].startswith(f"{folder.root}: found and fixed problems: database rebuilt")
    # Every finished recording is back, with its call, at its own times.
    assert index_of(folder) == expected_index(office)
    with Store(folder.database) as store:
        customers = store.connection().execute("SELECT count(*) FROM customers").fetchone()[0]
    assert customers == 3  # the snapshot's; the two added after it are what was lost
    if how == "pages":
        assert "2 customers" in lines[3]
    # Once is enough.
    assert recover(folder.root, capsys)[:2] == (0, [f"{folder.root}: nothing to recover"])


def test_without_a_snapshot_the_database_is_rebuilt_from_the_recordings_alone(tmp_path, capsys):
    office = office_folder(tmp_path / "data", snapshot=False)
    damage(office.folder.database, "random")
    status, lines, _ = recover(office.folder.root, capsys)
    assert status == 1
    assert lines[1] == (
        f"rebuilt     {office.folder.database} empty: no snapshot in "
        f"{office.folder.database_backups}"
    )
    assert lines[2] == "re-indexed  7 recordings and 7 calls from their sidecars"
    assert index_of(office.folder) == expected_index(office)


def test_a_snapshot_that_fails_its_check_is_skipped_for_an_older_one(tmp_path, capsys):
    office = office_folder(tmp_path / "data")
    good = latest_database_backup(office.folder)
    time.sleep(1.01)  # the next snapshot gets the next second's name
    bad = backup_database(office.folder)
    damage(bad, "random")
    damage(office.folder.database, "random")
    status, lines, _ = recover(office.folder.root, capsys)
    assert status == 1
    assert lines[1] == f"skipped     the snapshot {bad}: file is not a database"
    assert lines[2].startswith(f"restored    {office.folder.database} from the snapshot {good} (")
    assert index_of(office.folder) == expected_index(office)


def test_a_database_this_process_may_not_use_is_an_error_not_a_rebuild(tmp_path, monkeypatch):
    office = office_folder(tmp_path / "data", busy_calls=10)
    monkeypatch.setattr(recovery_database, "BUSY_TIMEOUT_S", 0.05)
    holder = sqlite3.connect(office.folder.database, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(RecoveryError, match="cannot use the database: database is locked"):
            recovery_database.check_database(office.folder.database)
    finally:
        holder.close()
    assert not office.folder.damaged.exists()


def test_the_engine_records_again_after_one_restart_on_a_damaged_database(tmp_path):
    office = office_folder(tmp_path / "data", busy_calls=100)
    ConfigStore(office.folder.root).save(default_config(3))
    damage(office.folder.database, "random")
    process = subprocess.Popen(
        linerec("run", "--data", str(office.folder.root), "--scenario", "short", "--speed", "40",
                "--port", "0"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    said = []
    try:
        for text in process.stdout:
            said.append(text)
            if ": recording " in text:
                break
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(60)
        process.stdout.close()
    output = "".join(said)
    assert ": recording " in output, output
    assert "recovery: database    " in output
    index = index_of(office.folder)
    for recorded in office.recorded:
        assert index[recorded.relative][3] == recorded.sha256
    assert len(index) > len(office.recorded)  # and the new call is being recorded


# ---- database snapshots --------------------------------------------------------------------


def test_snapshots_are_standalone_checked_and_only_the_newest_kept(tmp_path, monkeypatch):
    folder = DataFolder(tmp_path)
    with pytest.raises(BackupError, match=f"{folder.database}: no database to back up"):
        backup_database(folder)
    with Store(folder.database) as store:
        store.start_call(1, "in", started_at=1.0)
        taken = [backup_database(folder, now=BASE + n, keep=3) for n in range(5)]
        store.start_call(1, "in", started_at=2.0)  # the engine goes on writing meanwhile
        newest = backup_database(folder, now=BASE + 5, keep=3)
    assert backups.database_backups(folder) == [newest, taken[4], taken[3]]
    assert latest_database_backup(folder) == newest
    assert newest.name == time.strftime("linerec-%Y%m%d-%H%M%S.db", time.localtime(BASE + 5))
    copy = sqlite3.connect(f"file:{newest}?mode=ro", uri=True)
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert copy.execute("SELECT count(*) FROM calls").fetchone()[0] == 2
    copy.close()
    same_second = backup_database(folder, now=BASE + 5, keep=3)
    assert same_second.name.endswith("-2.db")
    assert backups.database_backups(folder)[0] == same_second
    assert not list(folder.database_backups.glob("*.partial*"))


def test_linerec_backup_keeps_the_configuration_and_a_database_snapshot(tmp_path, capsys):
    office = office_folder(tmp_path / "data", snapshot=False, busy_calls=10)
    folder = office.folder
    ConfigStore(folder.root).set_device(no_record=["10086"])
    assert main(["backup", "--data", str(folder.root)]) == 0
    lines = capsys.readouterr().out.splitlines()
    snapshot = latest_database_backup(folder)
    assert lines[0] == f"config      {config_copies(folder).latest()}"
    assert lines[1].startswith(f"database    {snapshot} (") and lines[1].endswith(" MB)")
    assert lines[2] == f"{folder.root}: backed up in {folder.backups}"
    with Store(snapshot) as copy:
        assert len(copy.recordings()) == 7
    # A broken configuration is said in one line; the database is still kept.
    folder.config.write_text("")
    assert main(["backup", "--data", str(folder.root)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("database    ")
    assert err.splitlines() == [
        f"linerec: error: {folder.config}: an empty file; put back the last good copy with: "
        f"linerec config restore --data {folder.root}",
        f"{folder.root}: 1 of 2 copies taken",
    ]


# ---- 2. what a kill at a recording's start leaves -----------------------------------------


def test_the_leftovers_of_a_kill_at_a_recordings_start_are_cleaned(tmp_path, capsys):
    folder = DataFolder(tmp_path / "data")
    folder.create()
    day = folder.recordings / DAY
    day.mkdir(parents=True)
    with Store(folder.database) as store:
        kept = record(folder, store, started_at=BASE, call_id=None, tag="kept")
    # Killed before the header reached the disk; the sidecar's atomic write cut short.
    (day / "L1-empty-1.wav").write_bytes(b"")
    (day / ".L1-empty-1.json.k3j_9xq2").write_text('{"version": 2, "sta')
    # Killed after the header and the sidecar, before the index row.
    header_only = RecordingFile(folder.recordings, f"{DAY}/L2-header-2.wav", "alaw",
                                RecordingFacts(2, BASE + 50), sync_interval=float("inf"))
    header_only._stream.close()
    # Killed a moment later: some audio, still no index row.
    with_audio = RecordingFile(folder.recordings, f"{DAY}/L3-audio-3.wav", "ulaw",
                               RecordingFacts(3, BASE + 60), sync_interval=float("inf"))
    with_audio.append(b"\xff" * 4000)
    with_audio._stream.close()

    status, lines, _ = recover(folder.root, capsys)

    assert status == 1
    assert f"repaired    {day / 'L3-audio-3.wav'}: " + (
        "left unfinished; its header now covers all the audio that reached the disk"
    ) in lines
    assert f"re-indexed  {day / 'L3-audio-3.wav'}: " + (
        "the index did not have it; added from its sidecar (or its header)"
    ) in lines
    for name in ("L1-empty-1.wav", "L2-header-2.wav"):
        assert (
            f"removed     {day / name}: an empty recording (no audio) the index never had, "
            "with its sidecar"
        ) in lines
    assert f"removed     {DAY}/.L1-empty-1.json.k3j_9xq2".replace(
        DAY, str(folder.recordings / DAY)) + ": a temporary sidecar a crash left" in lines
    kept_wav = folder.recordings / kept.relative
    assert sorted(path.name for path in day.iterdir()) == sorted([
        sidecar_path(kept_wav).name, kept_wav.name, "L3-audio-3.json", "L3-audio-3.wav"
    ])
    index = index_of(folder)
    assert index[f"{DAY}/L3-audio-3.wav"][2:5] == (
        4000, file_sha256(day / "L3-audio-3.wav"), "repaired"
    )
    assert index[kept.relative][3] == kept.sha256
    assert recover(folder.root, capsys)[:2] == (0, [f"{folder.root}: nothing to recover"])


def test_an_empty_file_the_index_knows_gets_a_header_and_keeps_its_row(tmp_path, capsys):
    folder = DataFolder(tmp_path / "data")
    folder.create()
    relative = f"{DAY}/L1-indexed-1.wav"
    (folder.recordings / DAY).mkdir(parents=True)
    (folder.recordings / relative).write_bytes(b"")
    with Store(folder.database) as store:
        row = store.add_recording(1, relative, "alaw", BASE)
    assert recover(folder.root, capsys)[0] == 1
    assert (folder.recordings / relative).read_bytes() == wav_header("alaw", 0)
    with Store(folder.database) as store:
        repaired = store.recording(row)
    assert (repaired.state, repaired.samples, repaired.ended_at) == ("repaired", 0, BASE)
    assert read_sidecar(folder.recordings / relative)["state"] == "repaired"


# ---- 3. a correct rebuilt index --------------------------------------------------------


def test_the_recorder_writes_version_2_with_the_recordings_own_start(tmp_path):
    recorder = LineRecorder(2, tmp_path, "alaw", history_s=0)
    call = {"line": 2, "call_id": 9, "direction": "in", "started_at": 1000.0}
    relative = recorder.start("9", call, now=1004.0)
    for frame in range(50):
        recorder.feed(np.zeros(160, dtype=np.int16), 1004.0 + frame * 0.02)
    recorder.stop({**call, "answered_at": 1003.5, "number": "13800138000"}, now=1005.0)
    sidecar = json.loads(sidecar_path(tmp_path / relative).read_text())
    assert sidecar["version"] == 2
    assert (sidecar["line"], sidecar["started_at"], sidecar["ended_at"]) == (2, 1004.0, 1005.0)
    assert (sidecar["encoding"], sidecar["samples"], sidecar["state"]) == ("alaw", 8000, "complete")
    assert sidecar["call"] == {
        "call_id": 9, "direction": "in", "started_at": 1000.0, "answered_at": 1003.5,
        "number": "13800138000",
    }


def bare_recording(folder: DataFolder, name: str, samples: int, encoding: str):
    """A WAV file alone in today's folder, as another program (or an old box) left it."""
    folder.create()
    wav = folder.recordings / DAY / name
    wav.parent.mkdir(parents=True, exist_ok=True)
    write_wav(wav, np.zeros(samples, dtype="int16"), encoding)
    return wav


def write_v1_sidecar(wav_path, document: dict) -> None:
    sidecar_path(wav_path).write_text(json.dumps({"version": 1, **document}))


def test_a_rebuilt_index_keeps_each_recordings_own_times_and_ends_its_calls(tmp_path, capsys):
    folder = DataFolder(tmp_path / "data")
    folder.create()
    # Version 2: a call that rang at BASE, recorded twice (voice on, voice off, voice on).
    first = record(folder, None, call_id=41, call_started_at=BASE, started_at=BASE + 4.0)
    second = record(folder, None, call_id=41, call_started_at=BASE, started_at=BASE + 9.5,
                    seconds=2.0)
    # Version 1, as the old recorder wrote it: the call's start over the recording's.
    old = bare_recording(folder, "L2-old-7.wav", 12000, "alaw")
    write_v1_sidecar(old, {"line": 2, "call_id": 7, "direction": "out", "started_at": BASE + 200,
                           "answered_at": BASE + 206, "number": "95588", "encoding": "alaw",
                           "state": "complete", "samples": 12000, "sha256": file_sha256(old),
                           "ended_at": BASE + 210.0})
    with Store(folder.database):
        pass  # an empty index, as after a database lost without a snapshot

    status, lines, _ = recover(folder.root, capsys)

    assert status == 1
    assert "rebuilt     2 calls the index had lost, from their recordings' sidecars" in lines
    index = index_of(folder)
    assert index[first.relative][:2] == (BASE + 4.0, BASE + 5.0)
    assert index[second.relative][:2] == (BASE + 9.5, BASE + 11.5)
    # One call for both, from its first ring to the end of its last recording; answered.
    assert index[first.relative][5] == (BASE, BASE + 11.5, "answered", "13800130041")
    assert index[second.relative][5] == index[first.relative][5]
    assert index[old.relative_to(folder.recordings).as_posix()][:2] == (BASE + 208.5, BASE + 210)
    with Store(folder.database) as store:
        assert [call.id for call in store.calls()] == [7, 41]  # under their own ids
        old_call = store.call(7)
        assert (old_call.direction, old_call.started_at, old_call.answered_at) == (
            "out", BASE + 200, BASE + 206)
        assert (old_call.outcome, old_call.ended_at, old_call.duration_s) == (
            "answered", BASE + 210, 4.0)
    # The next start leaves the calls as they are: nothing in progress for it to end now.
    assert recover(folder.root, capsys)[0] == 0
    assert index_of(folder) == index


def test_a_call_that_was_never_answered_is_rebuilt_as_the_sidecar_says(tmp_path, capsys):
    folder = DataFolder(tmp_path / "data")
    wav = bare_recording(folder, "L1-vox-5.wav", 800, "pcm16")
    sidecar_path(wav).write_text(json.dumps({
        "version": 2, "line": 1, "started_at": BASE + 1, "ended_at": BASE + 1.1,
        "encoding": "pcm16", "samples": 800, "sha256": file_sha256(wav), "state": "complete",
        "call": {"call_id": 5, "direction": "in", "started_at": BASE, "outcome": "missed"},
    }))
    with Store(folder.database):
        pass
    assert recover(folder.root, capsys)[0] == 1
    with Store(folder.database) as store:
        call = store.call(5)
    assert (call.outcome, call.ended_at, call.duration_s) == ("missed", BASE + 1.1, 0.0)


def test_a_file_without_a_sidecar_is_indexed_in_the_encoding_of_its_header(tmp_path, capsys):
    folder = DataFolder(tmp_path / "data")
    wav = bare_recording(folder, "L3-20270115-090000-12.wav", 4000, "alaw")
    status, lines, _ = recover(folder.root, capsys)
    assert status == 1
    assert f"sidecar     {wav}: its sidecar was missing; written again from the index" in lines
    relative = wav.relative_to(folder.recordings).as_posix()
    started = time.mktime((2027, 1, 15, 9, 0, 0, 0, 0, -1))  # from its name
    with Store(folder.database) as store:
        row = store.recording_by_path(relative)
    assert (row.line, row.encoding, row.samples, row.started_at) == (3, "alaw", 4000, started)
    sidecar = read_sidecar(wav)
    assert (sidecar["version"], sidecar["encoding"], sidecar["started_at"]) == (2, "alaw", started)
    assert recover(folder.root, capsys)[0] == 0


# ---- 4. sidecars written again --------------------------------------------------------


def test_a_missing_sidecar_is_written_again_from_the_index_once(tmp_path, capsys):
    office = office_folder(tmp_path / "data", busy_calls=0)
    recorded = office.recorded[0]
    wav = office.folder.recordings / recorded.relative
    original = json.loads(sidecar_path(wav).read_text())
    sidecar_path(wav).unlink()
    status, lines, _ = recover(office.folder.root, capsys)
    assert status == 1
    assert lines[0] == f"sidecar     {wav}: its sidecar was missing; written again from the index"
    assert lines[1] == f"{office.folder.root}: found and fixed problems: 1 sidecars written again"
    rewritten = json.loads(sidecar_path(wav).read_text())
    assert {key: rewritten[key] for key in ("line", "started_at", "ended_at", "samples",
                                            "sha256", "state", "encoding")} == {
        key: original[key] for key in ("line", "started_at", "ended_at", "samples",
                                       "sha256", "state", "encoding")}
    assert rewritten["call"]["call_id"] == recorded.call_id
    assert rewritten["call"]["answered_at"] == recorded.started_at
    assert file_sha256(wav) == recorded.sha256  # the audio untouched: not "repaired"
    assert recover(office.folder.root, capsys)[:2] == (
        0, [f"{office.folder.root}: nothing to recover"])


@pytest.mark.parametrize("garbage", [b"{not json", b"\xff\xfe\x00garbage", b"[1, 2]",
                                     b'{"version": 2, "line": "one"}'])
def test_an_unreadable_sidecar_is_kept_aside_and_written_again(tmp_path, capsys, garbage):
    office = office_folder(tmp_path / "data", busy_calls=0)
    recorded = office.recorded[1]
    wav = office.folder.recordings / recorded.relative
    sidecar_path(wav).write_bytes(garbage)
    status, lines, _ = recover(office.folder.root, capsys)
    assert status == 1
    kept = office.folder.damaged_recordings / sidecar_path(wav).relative_to(
        office.folder.recordings)
    assert kept.read_bytes() == garbage
    assert lines[0].startswith(f"replaced    {sidecar_path(wav)}: ")
    assert lines[0].endswith(f"; kept at {kept}; written again from the index")
    assert read_sidecar(wav)["sha256"] == recorded.sha256
    assert recover(office.folder.root, capsys)[0] == 0


# ---- 5. a disk that did not mount ----------------------------------------------------------


def test_an_index_whose_files_are_nearly_all_gone_is_not_marked_missing(tmp_path, capsys, caplog):
    office = office_folder(tmp_path / "data", busy_calls=0)
    folder = office.folder
    elsewhere = tmp_path / "unmounted"
    folder.recordings.rename(elsewhere)  # the recordings disk did not mount
    status, lines, _ = recover(folder.root, capsys)
    assert status == 1
    assert lines[0] == (
        f"held back   7 of the index's 7 recordings (100 %) have no file in {folder.recordings}: "
        "none is marked missing, since a recordings disk that did not mount looks like this; "
        f"mount it and run again, or if they are really gone: linerec recover --accept-missing "
        f"--data {folder.root}"
    )
    assert "is the recordings disk mounted?" in lines[-1]
    assert {state for *_, state, _ in index_of(folder).values()} == {"complete"}
    # The engine starts all the same, says so, and records new calls.
    ConfigStore(folder.root).save(default_config(0))
    engine = Engine(folder.root, lambda line: pytest.fail("no line"))
    with caplog.at_level(logging.INFO, logger="firmware.engine.engine"):
        engine.start()
    engine.stop()
    assert any(record.levelno == logging.ERROR and "held back" in record.getMessage()
               for record in caplog.records)
    # The disk is back: nothing to do. Gone for good: accepted by hand.
    elsewhere.rename(folder.recordings)
    assert recover(folder.root, capsys)[:2] == (0, [f"{folder.root}: nothing to recover"])
    for recorded in office.recorded[:6]:
        (folder.recordings / recorded.relative).unlink()
    assert recover(folder.root, capsys)[0] == 1
    status, lines, _ = recover(folder.root, capsys, "--accept-missing")
    assert status == 1
    assert sum(line.startswith("missing     ") for line in lines) == 6


def test_a_few_files_gone_are_marked_missing_and_found_again(tmp_path, capsys):
    office = office_folder(tmp_path / "data", busy_calls=0)
    gone = office.folder.recordings / office.recorded[0].relative
    aside = tmp_path / "aside.wav"
    gone.rename(aside)
    status, lines, _ = recover(office.folder.root, capsys)
    assert (status, lines[0]) == (1, f"missing     {gone}: in the index but the file is gone; "
                                     'its row is marked "missing"')
    aside.rename(gone)
    status, lines, _ = recover(office.folder.root, capsys)
    assert (status, lines[0]) == (1, f"found       {gone}: marked missing before, its file is back")
    assert index_of(office.folder)[office.recorded[0].relative][4] == "complete"


# ---- 7. factory reset ----------------------------------------------------------------------


def test_a_factory_reset_needs_yes_and_no_running_engine(tmp_path, capsys):
    office = office_folder(tmp_path / "data", busy_calls=5)
    before = office.folder.database.read_bytes()
    assert main(["factory-reset", "--data", str(office.folder.root)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.endswith("add --yes to do it\n")
    lock = EngineLock(office.folder)
    lock.acquire()
    try:
        assert main(["factory-reset", "--data", str(office.folder.root), "--yes"]) == 2
    finally:
        lock.release()
    assert "another engine (process" in capsys.readouterr().err
    assert office.folder.database.read_bytes() == before


def test_a_factory_reset_keeps_the_old_database_and_reindexes_the_recordings(tmp_path, capsys):
    office = office_folder(tmp_path / "data", busy_calls=5)
    folder = office.folder
    ConfigStore(folder.root).set_device(no_record=["10086"])
    assert main(["factory-reset", "--data", str(folder.root), "--yes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    kept_in = next(folder.backups.glob("factory-reset-*"))
    assert f"moved       {folder.database} -> {kept_in / 'linerec.db'} " + (
        "(users, customers, call log, audit log)") in lines
    snapshots = kept_in / "db"
    assert f"moved       {folder.database_backups} -> {snapshots} (database snapshots)" in lines
    assert f"moved       {folder.config} -> {kept_in / 'config.json'} (the configuration)" in lines
    assert (f"config      {folder.config}: the defaults (4 lines, country CN, recording auto)"
            in lines)
    assert (f"re-indexed  7 recordings and 7 calls into the new database {folder.database}, "
            "from their sidecars") in lines
    assert lines[-1].startswith(f"{folder.root}: factory reset done; the old database")
    assert ConfigStore(folder.root).load() == default_config()
    assert latest_database_backup(folder) is None  # no old snapshot to come back
    with Store(kept_in / "linerec.db") as old:
        assert len(old.calls(limit=100)) == 12
    with Store(folder.database) as store:
        assert store.connection().execute("SELECT count(*) FROM customers").fetchone()[0] == 0
    assert index_of(folder) == expected_index(office)
    assert recover(folder.root, capsys)[0] == 0


def test_a_factory_reset_can_wipe_the_recordings(tmp_path, capsys):
    office = office_folder(tmp_path / "data", busy_calls=0)
    assert main(["factory-reset", "--data", str(office.folder.root), "--yes",
                 "--wipe-recordings"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"deleted     7 recordings (0.1 MB) from {office.folder.recordings}" in lines
    assert list(recording_files(office.folder.recordings)) == []
    assert index_of(office.folder) == {}


def test_the_engine_keeps_a_daily_snapshot_for_recovery_to_rebuild_from(tmp_path):
    folder = DataFolder(tmp_path / "data")
    folder.root.mkdir()
    with Store(folder.database) as store:
        store.start_call(1, "in", started_at=1000.0)
    clock = {"now": time.time()}
    snapshots = DailySnapshots(folder, clock=lambda: clock["now"], first_after_s=0.05)
    assert snapshots.due_in() == 0.0  # none yet
    snapshots.start()
    deadline = time.monotonic() + 10
    while latest_database_backup(folder) is None:
        assert time.monotonic() < deadline, "no snapshot was taken"
        time.sleep(0.02)
    snapshots.stop()
    assert snapshots.due_in() > 23 * 3600  # the next one in a day
    clock["now"] += 25 * 3600
    assert snapshots.due_in() == 0.0
    with Store(latest_database_backup(folder)) as copy:
        assert [call.started_at for call in copy.calls()] == [1000.0]
