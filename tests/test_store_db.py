"""The SQLite store: migrations, the call log, the recordings index."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from firmware.store.db import Store, StoreError, migrate, schema_version
from firmware.store.schema import MIGRATIONS


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "linerec.db") as opened:
        yield opened


def test_a_new_database_gets_the_latest_schema_in_wal_mode(store):
    connection = store.connection()
    assert schema_version(connection) == len(MIGRATIONS)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert connection.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_reopening_keeps_the_data_and_migrates_nothing_twice(tmp_path):
    with Store(tmp_path / "linerec.db") as first:
        call_id = first.start_call(2, "in", number="075512345678")
    with Store(tmp_path / "linerec.db") as second:
        assert second.call(call_id).number == "075512345678"
        assert schema_version(second.connection()) == len(MIGRATIONS)


def test_a_database_from_newer_software_is_refused(tmp_path):
    path = tmp_path / "linerec.db"
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    connection.close()
    with pytest.raises(StoreError, match="newer than this software"):
        Store(path)


def test_a_failing_migration_leaves_the_previous_version(tmp_path, monkeypatch):
    connection = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    broken = [*MIGRATIONS, "CREATE TABLE extra (id INTEGER); THIS IS NOT SQL;"]
    monkeypatch.setattr("firmware.store.db.MIGRATIONS", broken)
    with pytest.raises(sqlite3.Error):
        migrate(connection)
    assert schema_version(connection) == len(MIGRATIONS)
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert "extra" not in tables


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path):
    path = tmp_path / "linerec.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open the database"):
        Store(path)


def test_an_answered_call_from_ring_to_hang_up(store):
    call_id = store.start_call(1, "in", started_at=1000.0)
    store.update_call(call_id, number="13800138000", name="ZHANG SAN", cid_format="MDMF")
    store.update_call(call_id, answered_at=1012.5)
    store.end_call(call_id, "answered", ended_at=1072.5)
    call = store.call(call_id)
    assert (call.line, call.direction, call.outcome) == (1, "in", "answered")
    assert call.number == "13800138000"
    assert call.duration_s == pytest.approx(60.0)


def test_a_missed_call_has_no_duration(store):
    call_id = store.start_call(3, "in", started_at=50.0)
    store.end_call(call_id, "missed", ended_at=80.0)
    assert store.call(call_id).duration_s == 0
    assert store.calls()[0].outcome == "missed"


def test_bad_values_are_refused_by_the_schema(store):
    with pytest.raises(sqlite3.IntegrityError):
        store.start_call(1, "sideways")
    call_id = store.start_call(1, "out")
    with pytest.raises(sqlite3.IntegrityError):
        store.update_call(call_id, reason_absent="X")
    with pytest.raises(ValueError, match="not call fields"):
        store.update_call(call_id, colour="red")
    with pytest.raises(StoreError, match="no call with id"):
        store.update_call(999, notes="x")


def test_calls_left_in_progress_by_a_crash_are_closed(store):
    ringing = store.start_call(1, "in", started_at=10.0)
    talking = store.start_call(2, "in", started_at=10.0, answered_at=15.0)
    dialling = store.start_call(3, "out", started_at=10.0)
    done = store.start_call(4, "in", started_at=1.0)
    store.end_call(done, "missed", ended_at=2.0)
    assert store.close_unfinished_calls(ended_at=40.0) == 3
    assert store.call(ringing).outcome == "missed"
    assert store.call(talking).outcome == "answered"
    assert store.call(talking).duration_s == pytest.approx(25.0)
    assert store.call(dialling).outcome == "unanswered"
    assert store.call(done).ended_at == 2.0


def test_recordings_link_to_their_call(store):
    call_id = store.start_call(1, "in")
    recording_id = store.add_recording(1, "2026/11/23/L1.wav", "alaw", 5.0, call_id=call_id)
    store.finish_recording(recording_id, ended_at=65.0, samples=480000, sha256="ab" * 32)
    recording = store.recording(recording_id)
    assert recording.call_id == call_id
    assert recording.state == "complete"
    assert store.recording_by_path("2026/11/23/L1.wav") == recording
    with pytest.raises(sqlite3.IntegrityError):  # one row per file
        store.add_recording(1, "2026/11/23/L1.wav", "alaw", 6.0)


def test_each_thread_has_its_own_connection_and_all_writes_land(store):
    def log_calls(line):
        for _ in range(50):
            store.start_call(line, "in")

    threads = [threading.Thread(target=log_calls, args=(line,)) for line in range(1, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    count = store.connection().execute("SELECT count(*) FROM calls").fetchone()[0]
    assert count == 400


def _calls(store) -> int:
    return store.connection().execute("SELECT count(*) FROM calls").fetchone()[0]


def test_a_transaction_inside_another_is_kept_only_with_it(store):
    with pytest.raises(RuntimeError), store.transaction():
        store.start_call(1, "in")  # a transaction of its own, now a part of the outer one
        with store.transaction():
            store.start_call(2, "in")
        raise RuntimeError("the outer one fails after both parts")
    assert _calls(store) == 0
    with store.transaction():
        store.start_call(1, "in")
        store.start_call(2, "in")
    assert _calls(store) == 2


def test_a_failing_part_is_rolled_back_alone_and_the_outer_one_goes_on(store):
    with store.transaction():
        store.start_call(1, "in")
        with pytest.raises(sqlite3.IntegrityError), store.transaction():
            store.start_call(2, "in")
            store.start_call(3, "sideways")  # refused by the schema
        store.start_call(4, "in")
    lines = store.connection().execute("SELECT line FROM calls ORDER BY line").fetchall()
    assert [line for (line,) in lines] == [1, 4]
    with store.transaction():  # and the next one is a transaction of its own again
        store.start_call(5, "in")
    assert _calls(store) == 3


def test_marks_on_a_recording_are_kept_in_order_and_go_with_it(store):
    call = store.start_call(1, "in", started_at=100.0)
    first = store.add_recording(1, "a.wav", "alaw", 101.0, call_id=call)
    second = store.add_recording(1, "b.wav", "alaw", 105.0, call_id=call)
    store.add_recording_mark(first, "announcement", 0.02, 3.6204)
    assert [(m.recording_id, m.kind, m.start_s, m.end_s)
            for m in store.recording_marks([first, second])] == [
        (first, "announcement", 0.02, 3.62)]
    assert store.recording_marks([]) == []
    with pytest.raises(ValueError, match="not a mark"):
        store.add_recording_mark(first, "fireworks", 0, 1)
    with pytest.raises(sqlite3.IntegrityError):
        store.add_recording_mark(first, "announcement", 2.0, 1.0)
    store.connection().execute("DELETE FROM recordings WHERE id = ?", (first,))
    assert store.recording_marks([first]) == []


def test_a_sidecar_written_from_the_index_keeps_the_marks(store):
    from firmware.store.stored_files import sidecar_from_row  # noqa: PLC0415

    call = store.start_call(1, "in", started_at=100.0)
    recording = store.add_recording(1, "a.wav", "alaw", 101.0, call_id=call)
    store.add_recording_mark(recording, "announcement", 0.02, 3.6)
    document = sidecar_from_row(store, store.recording(recording))
    assert document["marks"] == [{"kind": "announcement", "start_s": 0.02, "end_s": 3.6}]
    bare = store.add_recording(1, "b.wav", "alaw", 101.0, call_id=call)
    assert "marks" not in sidecar_from_row(store, store.recording(bare))
