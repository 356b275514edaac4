"""Retention in the store: the migration that brings tombstones and legal hold, what the
planner chooses (and never chooses), and what carrying a plan out leaves behind."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from firmware.config import Config, Line, Recording, Retention, default_config, to_plain, validate
from firmware.schema import SchemaError
from firmware.store import retention
from firmware.store.audit import BOX_ACTOR, AuditLog
from firmware.store.call_filter import CallFilter, RecordingFilter
from firmware.store.call_search import CallSearch
from firmware.store.crm import CustomerNumber, Customers
from firmware.store.db import Store, StoreError, migrate, schema_version
from firmware.store.legal_hold import Actor, LegalHold, LegalHoldError
from firmware.store.retention import (
    DAY_S,
    EMERGENCY_REASON,
    DiskSpace,
    RetentionPolicy,
    carry_out,
    plan,
    run_round,
)
from firmware.store.schema import MIGRATIONS
from firmware.store.scopes import EVERY_LINE, EVERYTHING
from recovery.reconcile import reconcile
from tests.support.storage import disk_full_error

NOW = 1_800_000_000.0
MB = 2**20
AUDITOR = Actor("aud", None, "192.0.2.1")


class Box:
    """A store and its recordings folder, with finished recordings made to measure."""

    def __init__(self, tmp_path: Path) -> None:
        self.root = tmp_path / "recordings"
        self.root.mkdir()
        self.store = Store(tmp_path / "linerec.db")

    def add(self, line: int, age_days: float, size: int = 64 * 1024, *, state="complete",
            number: str | None = None, backed_up: bool = False) -> int:
        started = NOW - age_days * DAY_S
        call_id = self.store.start_call(line, "in", started_at=started, number=number,
                                        number_e164=number)
        index = len(self.store.recordings(include_deleted=True))
        relative = f"2027/01/01/L{line}-{index:04d}.wav"
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x55" * size)
        path.with_suffix(".json").write_text('{"state": "complete"}')
        recording_id = self.store.add_recording(line, relative, "alaw", started, call_id=call_id)
        if state != "recording":
            self.store.finish_recording(recording_id, ended_at=started + size / 8000,
                                        samples=size, sha256=f"{index:064x}", state=state)
        if backed_up:
            with self.store.transaction() as connection:
                connection.execute("UPDATE recordings SET backed_up_at = ? WHERE id = ?",
                                   (NOW - 3600, recording_id))
        return recording_id

    def file_of(self, recording_id: int) -> Path:
        return self.root / self.store.recording(recording_id).path

    def planned(self, policy: RetentionPolicy, free: int, total: int = 100 * MB,
                **options) -> dict[int, str]:
        found = plan(self.store, self.root, policy, DiskSpace(total, free), NOW, **options)
        return {item.recording_id: item.reason for item in found.deletions}


@pytest.fixture
def box(tmp_path):
    made = Box(tmp_path)
    yield made
    made.store.close()


PLENTY = 90 * MB  # free space well above any target here
TEN_PERCENT = RetentionPolicy()  # the defaults: 10 % of the disk kept free


# ---- settings --------------------------------------------------------------------------


def test_a_new_box_keeps_ten_percent_free_and_no_line_has_an_age_limit():
    config = default_config()
    assert config.device.retention == Retention(True, 10.0, 0.0, False)
    assert all(line.recording.keep_days == 0 for line in config.lines)
    document = to_plain(config)
    assert document["device"]["retention"]["min_free_percent"] == 10.0
    assert validate(document) == config


@pytest.mark.parametrize(
    ("place", "value", "problem"),
    [
        ("min_free_percent", 95, "device.retention.min_free_percent: 95.0 is outside 0..90"),
        ("min_free_percent", -1, "device.retention.min_free_percent: -1.0 is outside 0..90"),
        ("min_free_gb", -2, "device.retention.min_free_gb: -2.0 is outside 0..100000"),
        ("enabled", "yes", "device.retention.enabled: expected bool, got 'yes'"),
        ("keep_forever", True, "device.retention.keep_forever: unknown setting"),
    ],
)
def test_retention_settings_out_of_range_are_refused_with_their_place(place, value, problem):
    document = to_plain(default_config(1))
    document["device"]["retention"][place] = value
    with pytest.raises(SchemaError) as refused:
        validate(document)
    assert any(found.startswith(problem) for found in refused.value.problems), refused.value


def test_a_retention_that_keeps_nothing_free_is_refused_unless_it_is_off():
    document = to_plain(default_config(1))
    document["device"]["retention"].update(min_free_percent=0, min_free_gb=0)
    with pytest.raises(SchemaError, match=r"device\.retention: min_free_percent and "
                                          r"min_free_gb are both 0"):
        validate(document)
    document["device"]["retention"]["enabled"] = False
    assert not validate(document).device.retention.enabled


def test_a_lines_age_limit_is_checked():
    document = to_plain(default_config(1))
    document["lines"][0]["recording"]["keep_days"] = -1
    with pytest.raises(SchemaError, match=r"lines\[0\].recording.keep_days: -1 is outside"):
        validate(document)


def test_the_policy_is_read_from_the_configuration():
    config = Config(
        default_config().device,
        [Line(number=1, recording=Recording(keep_days=90)),
         Line(number=2, recording=Recording(encoding="pcm16")),
         Line(number=3, recording=Recording(mode="off", keep_days=7)),
         Line(number=4, enabled=False)],
    )
    policy = RetentionPolicy.from_settings(config.device.retention, config.lines)
    assert policy.keep_days == ((1, 90), (3, 7))
    assert policy.bytes_per_second == 8000 + 16000  # the lines that record
    disk = DiskSpace(32 * 2**30, 20 * 2**30)
    assert policy.target_free(disk) == round(3.2 * 2**30)
    assert policy.emergency_floor(disk) == 64 * MB  # 24 kB/s for 5 minutes is less
    assert policy.emergency_floor(DiskSpace(100 * MB, 50 * MB)) == 5 * MB  # half of 10 MB
    gb = RetentionPolicy(min_free_percent=1, min_free_gb=2)
    assert gb.target_free(disk) == 2 * 2**30 and gb.space_reason(disk) == "disk below 2 GB free"


# ---- the migration ---------------------------------------------------------------------


def test_the_migration_keeps_every_row_tag_and_contact_and_allows_tombstones(tmp_path,
                                                                             monkeypatch):
    path = tmp_path / "linerec.db"
    old = sqlite3.connect(path, isolation_level=None)
    old.execute("PRAGMA foreign_keys = ON")
    monkeypatch.setattr("firmware.store.db.MIGRATIONS", MIGRATIONS[:2])
    assert migrate(old) == 2
    monkeypatch.undo()
    old.executescript(
        """
        INSERT INTO calls (id, line, direction, outcome, number, number_e164, started_at)
            VALUES (1, 1, 'in', 'answered', '13800138000', '+8613800138000', 1000),
                   (2, 2, 'out', 'answered', '075512345678', NULL, 2000);
        INSERT INTO recordings (id, call_id, line, path, encoding, started_at, ended_at, samples,
                                sha256, state, notes)
            VALUES (1, 1, 1, 'a/1.wav', 'alaw', 1001, 1010, 72000, 'aa', 'complete', 'order 7'),
                   (2, 2, 2, 'a/2.wav', 'pcm16', 2001, NULL, 0, NULL, 'recording', ''),
                   (3, NULL, 3, 'a/3.wav', 'ulaw', 3001, 3005, 32000, 'cc', 'missing', '');
        INSERT INTO recording_tags VALUES (1, 'complaint'), (1, 'vip'), (3, 'lost');
        INSERT INTO customers (id, name, created_at, updated_at) VALUES (1, 'Zhang', 1, 1);
        INSERT INTO contacts (id, customer_id, kind, at, text, call_id, recording_id)
            VALUES (1, 1, 'call', 1002, 'asked for a refund', 1, 1);
        """
    )
    before = old.execute("SELECT * FROM recordings ORDER BY id").fetchall()
    old.close()
    with Store(path) as store:
        connection = store.connection()
        assert schema_version(connection) == len(MIGRATIONS) >= 3
        after = connection.execute(
            "SELECT id, call_id, line, path, encoding, started_at, ended_at, samples, sha256, "
            "state, notes FROM recordings ORDER BY id"
        ).fetchall()
        assert after == before
        assert connection.execute("SELECT * FROM recording_tags ORDER BY 1, 2").fetchall() == [
            (1, "complaint"), (1, "vip"), (3, "lost")]
        assert connection.execute("SELECT recording_id FROM contacts").fetchall() == [(1,)]
        new_columns = connection.execute(
            "SELECT protected, deleted_at, delete_reason, backed_up_at FROM recordings"
        ).fetchall()
        assert set(new_columns) == {(0, None, None, None)}
        assert connection.execute("SELECT DISTINCT protected FROM calls").fetchall() == [(0,)]
        assert connection.execute("SELECT protected FROM customers").fetchall() == [(0,)]
        # A tombstone is allowed now; the foreign keys hold and are on again.
        connection.execute("UPDATE recordings SET state = 'deleted', deleted_at = 5 WHERE id = 1")
        with pytest.raises(sqlite3.IntegrityError):
            connection.execute("UPDATE recordings SET state = 'gone' WHERE id = 1")
        assert connection.execute("PRAGMA foreign_keys").fetchone() == (1,)
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        # Deleting a call still unlinks its recordings, as the rebuilt table says.
        connection.execute("DELETE FROM calls WHERE id = 2")
        assert store.recording(2).call_id is None
        indexes = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'recordings'")}
        assert {"recordings_by_call", "recordings_by_start",
                "recordings_finished_by_start"} <= indexes


def test_a_migration_that_would_break_a_reference_is_not_applied(tmp_path, monkeypatch):
    path = tmp_path / "linerec.db"
    with Store(path) as store:
        store.start_call(1, "in", started_at=1.0)
    broken = "INSERT INTO recordings (call_id, line, path, encoding, started_at) " \
             "VALUES (999, 1, 'x.wav', 'alaw', 1.0);"
    monkeypatch.setattr("firmware.store.db.MIGRATIONS", [*MIGRATIONS, broken])
    with pytest.raises(StoreError, match=f"migration {len(MIGRATIONS) + 1} would leave rows "
                                         "pointing at rows that are not there"):
        Store(path)
    monkeypatch.undo()
    with Store(path) as store:
        assert schema_version(store.connection()) == len(MIGRATIONS)
        assert store.recordings() == []


# ---- the plan ----------------------------------------------------------------------------


def test_recordings_past_their_lines_age_limit_go_with_the_line_and_days(box):
    old_on_1 = box.add(1, age_days=91)
    young_on_1 = box.add(1, age_days=89)
    old_on_2 = box.add(2, age_days=31)
    older_on_3 = box.add(3, age_days=400)  # line 3 has no age limit
    policy = RetentionPolicy(keep_days=((1, 90), (2, 30)))
    assert box.planned(policy, free=PLENTY) == {
        old_on_1: "older than 90 days (line 1)",
        old_on_2: "older than 30 days (line 2)",
    }
    assert young_on_1 and older_on_3  # kept


def test_space_takes_the_oldest_first_and_stops_as_soon_as_the_target_is_met(box, rng):
    sizes = [int(size) for size in rng.integers(16, 256, 30) * 1024]
    ages = rng.permutation(30) + 1.0
    ids = [box.add(1 + index % 4, age_days=float(age), size=size)
           for index, (age, size) in enumerate(zip(ages, sizes, strict=True))]
    total = 100 * MB
    target = TEN_PERCENT.target_free(DiskSpace(total, 0))
    shortfall = int(rng.integers(1, sum(sizes) // 2))
    free = target - shortfall
    found = plan(box.store, box.root, TEN_PERCENT, DiskSpace(total, free), NOW)
    oldest_first = [recording_id for _, recording_id in sorted(zip(-ages, ids, strict=True))]
    chosen = [item.recording_id for item in found.deletions]
    assert chosen == oldest_first[: len(chosen)]
    freed = [item.size for item in found.deletions]
    assert sum(freed) >= shortfall > sum(freed[:-1])  # not one more than needed
    assert not found.short and found.free_after >= target
    assert {item.reason for item in found.deletions} == {"disk below 10 % free"}
    emergency = plan(box.store, box.root, TEN_PERCENT, DiskSpace(total, free), NOW,
                     emergency=True)
    assert {item.reason for item in emergency.deletions} == {EMERGENCY_REASON}
    assert plan(box.store, box.root, TEN_PERCENT, DiskSpace(total, target), NOW).deletions == ()


@pytest.mark.parametrize("way", ["recording", "call", "customer"])
def test_a_protected_recording_is_never_planned(box, way):
    held = box.add(1, age_days=100, number="+8613800138000")
    other = box.add(1, age_days=99, number="+8613900139000")
    holds = LegalHold(box.store)
    if way == "recording":
        holds.set_recording(held, True, AUDITOR)
    elif way == "call":
        holds.set_call(box.store.recording(held).call_id, True, AUDITOR)
    else:
        customer = Customers(box.store).create(
            {"name": "Zhang"}, [CustomerNumber("138 0013 8000", "+8613800138000")], None)
        holds.set_customer(customer, True, AUDITOR)
    policy = RetentionPolicy(keep_days=((1, 30),))
    assert box.planned(policy, free=PLENTY) == {other: "older than 30 days (line 1)"}
    nothing_free = plan(box.store, box.root, policy, DiskSpace(100 * MB, 0), NOW)
    assert [item.recording_id for item in nothing_free.deletions] == [other]
    assert nothing_free.short and nothing_free.held_protected == 1


def test_keep_until_backed_up_spares_what_no_backup_copied(box):
    copied = box.add(1, age_days=50, backed_up=True)
    not_copied = box.add(1, age_days=60)
    policy = RetentionPolicy(keep_until_backed_up=True, keep_days=((1, 7),))
    assert box.planned(policy, free=PLENTY) == {copied: "older than 7 days (line 1)"}
    found = plan(box.store, box.root, policy, DiskSpace(100 * MB, 0), NOW)
    assert found.short and found.held_not_backed_up == 1
    assert not_copied not in {item.recording_id for item in found.deletions}


def test_recordings_in_progress_missing_or_deleted_are_never_planned(box):
    box.add(1, age_days=10, state="recording")
    box.add(1, age_days=9, state="missing")
    repaired = box.add(1, age_days=8, state="repaired")
    assert box.planned(TEN_PERCENT, free=0) == {repaired: "disk below 10 % free"}
    run_round(box.store, box.root, TEN_PERCENT, DiskSpace(100 * MB, 0), NOW)
    assert box.planned(TEN_PERCENT, free=0) == {}


def test_with_retention_off_nothing_is_ever_planned(box):
    box.add(1, age_days=1000)
    off = RetentionPolicy(enabled=False, keep_days=((1, 1),))
    assert box.planned(off, free=0) == {}


# ---- carrying it out ---------------------------------------------------------------------


def test_deleting_removes_file_and_sidecar_and_leaves_a_tombstone_and_an_audit_entry(box):
    ids = [box.add(2, age_days=100 - index) for index in range(3)]
    oldest_path = box.file_of(ids[0])
    kept_path = box.file_of(ids[2])
    policy = RetentionPolicy(keep_days=((2, 98),))  # the two oldest
    planned, outcome = run_round(box.store, box.root, policy, DiskSpace(100 * MB, PLENTY), NOW)
    assert [item.recording_id for item in outcome.deleted] == ids[:2]
    assert outcome.freed >= 2 * 64 * 1024 and not outcome.failed
    assert not oldest_path.exists() and not oldest_path.with_suffix(".json").exists()
    assert kept_path.exists()
    tombstone = box.store.recording(ids[0])
    assert (tombstone.state, tombstone.deleted_at, tombstone.delete_reason) == (
        "deleted", NOW, "older than 98 days (line 2)")
    assert tombstone.sha256 and tombstone.path and tombstone.samples == 64 * 1024
    entries = AuditLog(box.store).entries(action="retention_deleted")
    assert {entry.target for entry in entries} == {f"recording {ids[0]}", f"recording {ids[1]}"}
    entry = next(e for e in entries if e.target == f"recording {ids[0]}")
    assert (entry.username, entry.user_id, entry.address) == (BOX_ACTOR, None, "")
    assert entry.detail.startswith("older than 98 days (line 2); 2027/01/01/L2-")
    assert tombstone.sha256 in entry.detail
    # Tombstones are out of the lists, the call log's "recorded" and the index walk.
    search = CallSearch(box.store)
    shown = search.search_recordings(RecordingFilter(), EVERY_LINE, EVERYTHING)
    assert {row.recording.id for row in shown.rows} == {ids[2]}
    gone = search.search_recordings(RecordingFilter(deleted=True), EVERY_LINE, EVERYTHING)
    assert {row.recording.id for row in gone.rows} == set(ids[:2])
    recorded = search.search_calls(CallFilter(has_recording=True), EVERY_LINE, EVERYTHING)
    assert {row.call.id for row in recorded.rows} == {box.store.recording(ids[2]).call_id}
    assert all(row.recording_ids in ((), (ids[2],)) for row in recorded.rows)
    assert {row.id for row in box.store.recordings()} == {ids[2]}
    assert planned.deletions  # and a second round finds nothing more to do
    assert run_round(box.store, box.root, policy, DiskSpace(100 * MB, PLENTY), NOW)[1].deleted == []


def test_a_file_already_gone_is_marked_deleted_and_said_so(box, caplog):
    recording = box.add(1, age_days=40)
    box.file_of(recording).unlink()
    outcome = carry_out(box.store, box.root, plan(
        box.store, box.root, RetentionPolicy(keep_days=((1, 30),)), DiskSpace(100 * MB, PLENTY),
        NOW).deletions, NOW)
    assert [item.recording_id for item in outcome.already_gone] == [recording]
    assert outcome.freed == 0
    assert box.store.recording(recording).state == "deleted"
    (entry,) = AuditLog(box.store).entries(action="retention_deleted")
    assert entry.detail.endswith("its file was already gone")


def test_a_file_that_cannot_be_removed_is_removed_by_the_next_round(box, monkeypatch, caplog):
    stuck = box.add(1, age_days=40)
    other = box.add(1, age_days=39)
    stuck_path = box.file_of(stuck)
    real_unlink = Path.unlink

    def unlink(path, *args, **kwargs):
        if path == stuck_path:
            raise PermissionError(13, "Permission denied", str(path))
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", unlink)
    policy = RetentionPolicy(keep_days=((1, 30),))
    disk = DiskSpace(100 * MB, PLENTY)
    _, outcome = run_round(box.store, box.root, policy, disk, NOW)  # raises nothing
    # Its tombstone is written (the decision is made and in the audit log); its file stays.
    assert [item.recording_id for item in outcome.leftover] == [stuck]
    assert sorted(item.recording_id for item in outcome.deleted) == sorted([stuck, other])
    freed = next(item for item in outcome.deleted if item.recording_id == other)
    assert outcome.freed == freed.size  # the file that stayed frees nothing yet
    assert box.store.recording(stuck).state == "deleted" and stuck_path.exists()
    assert "cannot remove" in caplog.text and "the next round tries again" in caplog.text
    monkeypatch.setattr(Path, "unlink", real_unlink)
    _, again = run_round(box.store, box.root, policy, disk, NOW)
    assert not stuck_path.exists() and again.deleted == []


def test_a_hold_placed_after_the_plan_still_saves_the_recording(box):
    recording = box.add(1, age_days=40)
    planned = plan(box.store, box.root, RetentionPolicy(keep_days=((1, 30),)),
                   DiskSpace(100 * MB, PLENTY), NOW)
    LegalHold(box.store).set_recording(recording, True, AUDITOR)
    outcome = carry_out(box.store, box.root, planned.deletions, NOW)
    assert [item.recording_id for item in outcome.kept] == [recording]
    assert box.file_of(recording).exists() and box.store.recording(recording).state == "complete"


def test_a_path_leading_outside_the_recordings_folder_is_never_deleted(box, tmp_path):
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me")
    recording = box.add(1, age_days=40)
    with box.store.transaction() as connection:
        connection.execute("UPDATE recordings SET path = '../precious.txt' WHERE id = ?",
                           (recording,))
    _, outcome = run_round(box.store, box.root, RetentionPolicy(keep_days=((1, 30),)),
                           DiskSpace(100 * MB, PLENTY), NOW)
    assert outcome.failed and outside.read_text() == "keep me"


def test_recovery_leaves_tombstones_alone(box):
    recording = box.add(1, age_days=40)
    run_round(box.store, box.root, RetentionPolicy(keep_days=((1, 30),)),
              DiskSpace(100 * MB, PLENTY), NOW)
    report = reconcile(box.store, box.root)
    assert report.missing == []
    assert box.store.recording(recording).state == "deleted"


def test_protection_changes_are_audited_and_a_deleted_recording_cannot_be_protected(box):
    recording = box.add(1, age_days=40)
    holds = LegalHold(box.store)
    assert holds.set_recording(recording, True, AUDITOR)
    assert not holds.set_recording(recording, True, AUDITOR)  # already so: no second entry
    assert holds.of_recording(recording).held
    assert holds.set_recording(recording, False, AUDITOR)
    actions = [(e.action, e.target, e.username, e.address)
               for e in reversed(AuditLog(box.store).entries())]
    assert actions == [("protected", f"recording {recording}", "aud", "192.0.2.1"),
                       ("unprotected", f"recording {recording}", "aud", "192.0.2.1")]
    run_round(box.store, box.root, RetentionPolicy(keep_days=((1, 30),)),
              DiskSpace(100 * MB, PLENTY), NOW)
    with pytest.raises(LegalHoldError, match="deleted by retention"):
        holds.set_recording(recording, True, AUDITOR)


def test_a_deletion_stopped_after_its_tombstone_is_finished_by_recovery(box, monkeypatch):
    """The tombstone is written before the file goes: a kill between the two leaves a
    deleted row whose file is still there, and recovery removes the file, never taking the
    recording for a lost one."""
    going = box.add(1, age_days=40)
    path = box.file_of(going)
    monkeypatch.setattr(retention, "_remove_files", lambda root, marked, done: None)  # killed
    run_round(box.store, box.root, RetentionPolicy(keep_days=((1, 30),)),
              DiskSpace(100 * MB, PLENTY), NOW)
    assert box.store.recording(going).state == "deleted" and path.exists()
    report = reconcile(box.store, box.root)
    assert report.deletions_finished == [box.store.recording(going).path]
    assert not path.exists() and not path.with_suffix(".json").exists()
    assert box.store.recording(going).state == "deleted" and report.missing == []


def test_a_full_database_lets_the_files_go_first_to_make_room(box, monkeypatch):
    """On a disk so full that the tombstones cannot be written, the files go first, then
    their rows are marked: retention never deadlocks on the room it is there to make."""
    going = box.add(1, age_days=40)
    path = box.file_of(going)
    real = retention._mark_deleted
    calls = []

    def full_the_first_time(*args, **kwargs):
        calls.append(path.exists())
        if len(calls) == 1:
            raise disk_full_error()
        return real(*args, **kwargs)

    monkeypatch.setattr(retention, "_mark_deleted", full_the_first_time)
    _, outcome = run_round(box.store, box.root, RetentionPolicy(keep_days=((1, 30),)),
                           DiskSpace(100 * MB, PLENTY), NOW)
    assert calls == [True, False]  # the second try came after the file was gone
    assert [item.recording_id for item in outcome.deleted] == [going]
    assert box.store.recording(going).state == "deleted" and not path.exists()
