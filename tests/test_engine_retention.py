"""The engine's retention service: room made at once when asked, a blocked disk said once,
new settings applied at once; and a simulated office recording for longer than its small
disk holds, with the default settings, that never fills it."""

from __future__ import annotations

import json
import logging
import textwrap
import time
from pathlib import Path

import pytest

from firmware.config import ConfigStore, default_config
from firmware.engine import retention as service_module
from firmware.engine.retention import RetentionService
from firmware.store.audit import AuditLog
from firmware.store.db import Store
from firmware.store.legal_hold import Actor, LegalHold
from firmware.store.retention import EMERGENCY_REASON, DiskSpace
from tests.mount_namespace import run_in_mount_namespace

MB = 2**20
SIZE = 100 * 1024  # each recording made here


class SmallDisk:
    """A disk of ``total`` bytes whose use is the files under the recordings folder."""

    def __init__(self, root: Path, total: int) -> None:
        self.root = root
        self.total = total

    def of(self, path) -> DiskSpace:
        used = sum(path.stat().st_size for path in self.root.rglob("*") if path.is_file())
        return DiskSpace(self.total, self.total - used)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A data folder with eight finished recordings of 100 kB on a 10 MB disk."""
    root = tmp_path / "recordings"
    config = ConfigStore(tmp_path)
    config.save(default_config(2))
    store = Store(tmp_path / "linerec.db")
    ids = []
    for index in range(8):
        started = 1_700_000_000.0 + 600 * index
        relative = f"2023/11/14/L1-{index}.wav"
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(bytes(SIZE))
        call_id = store.start_call(1, "in", started_at=started)
        recording_id = store.add_recording(1, relative, "alaw", started, call_id=call_id)
        store.finish_recording(recording_id, ended_at=started + 60, samples=SIZE, sha256="00")
        ids.append(recording_id)
    disk = SmallDisk(root, 10 * MB)
    monkeypatch.setattr(service_module.DiskSpace, "of", classmethod(lambda cls, p: disk.of(p)))
    monkeypatch.setattr(service_module, "CHECK_INTERVAL_S", 3600.0)  # only when woken
    made = RetentionService(store, root, config.load)
    made.ids, made.disk, made.root, made.config_store = ids, disk, root, config
    yield made
    made.stop()
    store.close()


def kept(service) -> list[int]:
    return [row.id for row in service.store.recordings() if row.state != "deleted"]


def wait_for(condition, within_s: float = 5.0) -> None:
    deadline = time.monotonic() + within_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_urgent_makes_room_down_to_the_target_at_once(folder):
    folder.start()
    wait_for(lambda: folder.state().last_round_at is not None)  # the first round, at start
    assert kept(folder) == folder.ids  # nothing to do on 10 MB
    folder.disk.total = SIZE * 9  # the disk "shrinks": 100 kB free of 900 kB, target 90 kB
    (folder.root / "filler").write_bytes(bytes(60 * 1024))  # 40 kB free now
    assert folder.urgent(wait=5)
    assert kept(folder) == folder.ids[1:]  # the oldest, and only it
    row = folder.store.recording(folder.ids[0])
    assert (row.state, row.delete_reason) == ("deleted", EMERGENCY_REASON)
    state = folder.state()
    assert state.last_round_deleted == 1 and state.deleted_total == 1
    assert state.free_bytes == 40 * 1024 and state.target_free_bytes == 92160
    (entry,) = AuditLog(folder.store).entries(action="retention_deleted")
    assert entry.detail.startswith(EMERGENCY_REASON)


def test_when_nothing_may_be_deleted_it_is_said_once_and_kept_in_the_state(folder, caplog,
                                                                          monkeypatch):
    holds = LegalHold(folder.store)
    for recording_id in folder.ids:
        holds.set_recording(recording_id, True, Actor("aud"))
    folder.disk.total = SIZE * 8 + 20 * 1024  # 20 kB free: under the floor (half the target)
    monkeypatch.setattr(folder, "check_interval_s", 0.01)
    with caplog.at_level(logging.ERROR, logger="firmware.engine.retention"):
        folder.start()
        time.sleep(0.3)  # many checks
    said = [record.getMessage() for record in caplog.records]
    message = "storage nearly full: nothing left that retention may delete (8 protected, 0 not " \
              "backed up)"
    assert said == [f"retention: {message}"]
    state = folder.state()
    assert state.stuck and state.last_problem == message and state.last_problem_at
    assert kept(folder) == folder.ids
    holds.set_recording(folder.ids[0], False, Actor("aud"))
    # The round that deletes it says so in its state when it ends, a moment after the
    # deletion is in the index.
    wait_for(lambda: folder.ids[0] not in kept(folder) and not folder.state().stuck)
    assert kept(folder) == folder.ids[1:] and not folder.state().stuck, folder.state()


def test_new_settings_apply_at_once(folder):
    folder.start()
    wait_for(lambda: folder.state().last_round_at is not None)
    folder.config_store.update_line(1, recording={"keep_days": 30})
    folder.run_soon()
    wait_for(lambda: not kept(folder))
    assert kept(folder) == []  # all made in 2023
    reasons = {row.delete_reason for row in folder.store.recordings(include_deleted=True)}
    assert reasons == {"older than 30 days (line 1)"}


# ---- a simulated office on a small disk ----------------------------------------------------

OFFICE_SCRIPT = textwrap.dedent(
    """
    import json, logging, os, subprocess, sys, threading, time
    from pathlib import Path
    data, size = Path(sys.argv[1]), sys.argv[2]
    lines, seconds = int(sys.argv[3]), float(sys.argv[4])
    recordings = data / "recordings"
    recordings.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(recordings)],
                   check=True)
    import firmware.engine.retention as service
    service.CHECK_INTERVAL_S = 0.01  # the office plays many times faster than real time
    from firmware.cli.processes import open_configured_line
    from firmware.config import ConfigStore, default_config
    from firmware.engine import Engine
    from firmware.simulation.office import Office
    from firmware.simulation.scenario import from_document
    from firmware.simulation.sounds import box_sounds
    from firmware.store.crm import Customers, CustomerNumber
    from firmware.store.db import Store
    from firmware.store.legal_hold import Actor, LegalHold
    from firmware.store.retention import DiskSpace, RetentionPolicy

    # Errors go to stderr, where the test looks for them.
    logging.basicConfig(level=logging.ERROR, format="logged: %(levelname)s %(name)s %(message)s")
    config_store = ConfigStore(data)
    config_store.save(default_config(lines))  # the defaults: A-law, 10 % kept free
    config = config_store.load()
    policy = RetentionPolicy.from_settings(config.device.retention, config.lines)
    floor = policy.emergency_floor(DiskSpace.of(recordings))
    calls, customer_number = [], "13912345678"
    for line in range(1, lines + 1):
        at, index = 0.5 + line, 0
        while at < seconds:
            number = customer_number if (line, index) == (lines, 1) else f"1380013{line}{index:03d}"
            calls.append({"line": line, "at": at, "rings": 2, "talk": 20, "number": number})
            at, index = at + 40, index + 1
    # A customer under legal hold, known before the calls: their call is kept.
    with Store(data / "linerec.db") as store:
        customer = Customers(store).create(
            {"name": "Held"}, [CustomerNumber(customer_number, "+86" + customer_number)], None)
        LegalHold(store).set_customer(customer, True, Actor("test"))
    lowest = [DiskSpace.of(recordings).free]
    done = threading.Event()
    def watch_free_space():
        while not done.is_set():
            lowest[0] = min(lowest[0], DiskSpace.of(recordings).free)
            time.sleep(0.002)
    held_first = []
    def protect_the_first_recording():
        with Store(data / "linerec.db") as store:
            while not done.is_set() and not held_first:
                for row in store.recordings():
                    if row.state == "complete":
                        LegalHold(store).set_recording(row.id, True, Actor("test"))
                        held_first.append(row.id)
                        break
                time.sleep(0.005)
    office = Office(from_document({"lines": lines, "call": calls}), box_sounds(), speed=0,
                    prefix="small-")
    engine = Engine(data, lambda line: open_configured_line(line, "small-"))
    watchers = [threading.Thread(target=watch_free_space),
                threading.Thread(target=protect_the_first_recording)]
    for watcher in watchers:
        watcher.start()
    started = time.monotonic()
    engine.start()
    office.start()
    office.join(timeout=600)
    engine.wait(timeout=60)
    failures = [repr(worker.failure) for worker in engine.workers.values() if worker.failure]
    engine.stop()
    done.set()
    for watcher in watchers:
        watcher.join()
    with Store(data / "linerec.db") as store:
        rows = [(r.id, r.line, r.started_at, r.state, r.delete_reason, r.path,
                 store.call(r.call_id).number, r.samples)
                for r in store.recordings(include_deleted=True)]
        calls_logged = [(c.outcome, c.number) for c in store.calls(limit=10_000)]
        audited = len(store.connection().execute(
            "SELECT 1 FROM audit_log WHERE action = 'retention_deleted'").fetchall())
    on_disk = sorted(p.relative_to(recordings).as_posix() for p in recordings.rglob("*.wav"))
    print(json.dumps({"rows": rows, "calls": calls_logged, "expected_calls": len(calls),
                      "lowest_free": lowest[0], "floor": floor,
                      "failures": failures, "held_first": held_first, "on_disk": on_disk,
                      "audited": audited, "disk": DiskSpace.of(recordings).total,
                      "seconds": time.monotonic() - started}))
    """
)


def run_office(tmp_path, size: str, lines: int, seconds: float) -> dict:
    result = run_in_mount_namespace(OFFICE_SCRIPT, str(tmp_path / "data"), size, str(lines),
                                    str(seconds), timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    report["errors"] = [line for line in result.stderr.splitlines() if line.startswith("logged:")]
    print({key: value for key, value in report.items() if key not in ("rows", "calls")})
    return report


def check_office(report: dict) -> None:
    # id, line, started_at, state, delete_reason, path, the call's number, samples
    rows = report["rows"]
    recorded = len(rows)
    assert report["failures"] == [] and report["errors"] == []  # no line stopped, no write failed
    assert len(report["calls"]) == report["expected_calls"]
    assert all(outcome == "answered" for outcome, _ in report["calls"])
    assert recorded == report["expected_calls"]  # every call recorded, none cut off
    assert {row[3] for row in rows} == {"complete", "deleted"}
    assert report["lowest_free"] >= report["floor"] > 0  # the disk never came near full
    deleted = [row for row in rows if row[3] == "deleted"]
    kept = [row for row in rows if row[3] == "complete"]
    # More was recorded than the disk holds (A-law: a byte a sample), and retention made room.
    assert sum(row[7] for row in rows) > report["disk"] and deleted
    assert report["audited"] == len(deleted)
    assert {row[4] for row in deleted} <= {"disk below 10 % free", "emergency: disk nearly full"}
    assert sorted(row[5] for row in kept) == report["on_disk"]
    # The protected ones survived: the first recording, and the held customer's call.
    held = set(report["held_first"])
    held |= {row[0] for row in rows if row[6] == "13912345678"}
    assert len(held) == 2
    assert all(row[3] == "complete" for row in rows if row[0] in held)
    # Oldest first: each line's oldest unprotected recording went, its newest is kept.
    for line in {row[1] for row in rows}:
        mine = sorted((row for row in rows if row[1] == line and row[0] not in held),
                      key=lambda row: row[2])
        assert mine[0][3] == "deleted" and mine[-1][3] == "complete"


def test_an_office_records_past_a_small_disk_without_filling_it(tmp_path):
    """Two lines for three minutes of calls on a 1 MB disk, played as fast as it goes."""
    check_office(run_office(tmp_path, "1m", lines=2, seconds=180))


@pytest.mark.slow
def test_an_office_of_four_lines_records_for_an_hour_on_a_small_disk(tmp_path):
    check_office(run_office(tmp_path, "4m", lines=4, seconds=3600))
