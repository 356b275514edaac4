"""Retention of voicemail messages: each line's age limit (heard messages only, unless the
line says otherwise), the oldest heard messages once no recording may go for space, never
a message under legal hold or one no backup copied; each deletion audited, its row marked
before its file goes, and what a kill leaves finished by the next round or by recovery."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from firmware.config import Config, Line, Voicemail, default_config, to_plain, validate
from firmware.datafolder import DataFolder
from firmware.engine import retention as service_module
from firmware.engine.retention import RetentionService
from firmware.schema import SchemaError
from firmware.store import retention
from firmware.store.audit import BOX_ACTOR, AuditLog
from firmware.store.crm import CustomerNumber, Customers
from firmware.store.db import Store
from firmware.store.legal_hold import Actor, LegalHold
from firmware.store.retention import DAY_S, DiskSpace, RetentionPolicy, plan, run_round
from firmware.store.scopes import EVERY_LINE
from firmware.store.voicemail import Voicemails, message_name, write_message
from recovery import recover_data_folder

NOW = 1_800_000_000.0
MB = 2**20
PLENTY = 90 * MB
AUDITOR = Actor("aud", None, "192.0.2.1")
THIRTY_DAYS = RetentionPolicy(message_keep_days=((1, 30, True),))


class Office:
    """A data folder's store, recordings and voicemail messages, made to measure."""

    def __init__(self, root: Path) -> None:
        self.folder = DataFolder(root)
        self.folder.recordings.mkdir(parents=True)
        self.store = Store(self.folder.database)
        self.messages = Voicemails(self.store)
        self.rng = np.random.default_rng(7)

    def message(self, line: int, age_days: float, *, heard: bool = False,
                number: str | None = None, backed_up: bool = False, seconds: float = 2.0
                ) -> int:
        started = NOW - age_days * DAY_S
        call_id = self.store.start_call(line, "in", started_at=started, number=number,
                                        number_e164=number)
        name = message_name(line, started)
        audio = self.rng.integers(-3000, 3000, int(8000 * seconds), dtype=np.int16)
        _, sha256 = write_message(self.folder.voicemail, name, audio)
        message_id = self.messages.add(call_id=call_id, line=line, number=number,
                                       started_at=started, seconds=seconds, path=name,
                                       sha256=sha256)
        if heard:
            self.messages.mark_heard(message_id, "desk", at=started + 60)
        if backed_up:
            with self.store.transaction() as connection:
                connection.execute("UPDATE voicemails SET backed_up_at = ? WHERE id = ?",
                                   (NOW - 3600, message_id))
        return message_id

    def recording(self, line: int, age_days: float, size: int = 64 * 1024) -> int:
        started = NOW - age_days * DAY_S
        call_id = self.store.start_call(line, "in", started_at=started)
        relative = f"2027/01/01/L{line}-{call_id:04d}.wav"
        path = self.folder.recordings / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x55" * size)
        path.with_suffix(".json").write_text('{"state": "complete"}')
        recording_id = self.store.add_recording(line, relative, "alaw", started,
                                                call_id=call_id)
        self.store.finish_recording(recording_id, ended_at=started + size / 8000,
                                    samples=size, sha256=f"{call_id:064x}")
        return recording_id

    def file_of(self, message_id: int) -> Path:
        return self.folder.voicemail / self.messages.get(message_id).path

    def round(self, policy: RetentionPolicy, free: int = PLENTY, total: int = 100 * MB):
        return run_round(self.store, self.folder.recordings, policy, DiskSpace(total, free),
                         NOW, voicemail=self.folder.voicemail)

    def planned(self, policy: RetentionPolicy, free: int = PLENTY, total: int = 100 * MB):
        return plan(self.store, self.folder.recordings, policy, DiskSpace(total, free), NOW,
                    voicemail=self.folder.voicemail)

    def listed(self) -> set[int]:
        return {message.id for message in self.messages.listed(EVERY_LINE)}


@pytest.fixture
def office(tmp_path):
    made = Office(tmp_path / "data")
    yield made
    made.store.close()


# ---- the settings --------------------------------------------------------------------------


def test_each_lines_voicemail_age_limit_is_read_from_its_settings():
    assert Voicemail().keep_days == 0 and Voicemail().keep_unheard is True
    config = Config(
        default_config().device,
        [Line(number=1, voicemail=Voicemail(keep_days=30)),
         Line(number=2, voicemail=Voicemail(keep_days=7, keep_unheard=False)),
         Line(number=3)],
    )
    policy = RetentionPolicy.from_settings(config.device.retention, config.lines)
    assert policy.message_keep_days == ((1, 30, True), (2, 7, False))
    assert policy.keep_days == ()  # the recordings' own limits are apart
    document = to_plain(default_config(1))
    document["lines"][0]["voicemail"]["keep_days"] = -1
    with pytest.raises(SchemaError, match=r"lines\[0\].voicemail.keep_days: -1 is outside"):
        validate(document)


# ---- by age --------------------------------------------------------------------------------


def test_an_old_message_is_deleted_and_a_new_one_kept_with_an_audit_entry(office):
    old = office.message(1, age_days=40, heard=True)
    new = office.message(1, age_days=5, heard=True)
    other_line = office.message(2, age_days=400, heard=True)
    old_file, old_sha256 = office.file_of(old), office.messages.get(old).sha256
    planned, outcome = office.round(THIRTY_DAYS)
    assert [item.message_id for item in planned.messages] == [old]
    assert [item.message_id for item in outcome.deleted] == [old] and not outcome.failed
    assert outcome.freed >= 32_000
    assert not old_file.exists() and office.file_of(new).exists()
    gone = office.messages.get(old)
    assert (gone.deleted_at, gone.delete_reason) == (NOW, "older than 30 days (line 1)")
    assert office.listed() == {new, other_line}
    # The row stays: the call log still says the call went to voicemail.
    assert office.messages.voicemail_calls([gone.call_id]) == {gone.call_id}
    (entry,) = AuditLog(office.store).entries(action="retention_deleted")
    assert (entry.target, entry.username, entry.user_id) == (f"voicemail {old}", BOX_ACTOR, None)
    assert entry.detail == (f"older than 30 days (line 1); voicemail/{gone.path}; "
                            f"SHA-256 {old_sha256}")
    assert office.round(THIRTY_DAYS)[1].deleted == []  # nothing more to do


def test_unheard_messages_stay_past_the_age_limit_unless_the_line_says_otherwise(office):
    unheard = office.message(1, age_days=40)
    heard = office.message(1, age_days=41, heard=True)
    assert [item.message_id for item in office.planned(THIRTY_DAYS).messages] == [heard]
    every = RetentionPolicy(message_keep_days=((1, 30, False),))
    assert [item.message_id for item in office.planned(every).messages] == [heard, unheard]
    # Heard only: a message the plan chose goes only while it is still marked heard.
    office.round(every)
    assert office.listed() == set()


def test_with_retention_off_no_message_is_ever_deleted(office):
    office.message(1, age_days=400, heard=True)
    off = RetentionPolicy(enabled=False, message_keep_days=((1, 1, False),))
    assert office.round(off, free=0)[1].deleted == []


# ---- for space -----------------------------------------------------------------------------


def test_for_space_recordings_go_first_then_the_oldest_heard_messages(office):
    recording = office.recording(1, age_days=3)
    held_recording = office.recording(1, age_days=4)
    LegalHold(office.store).set_recording(held_recording, True, AUDITOR)
    unheard = office.message(1, age_days=20)
    older_heard = office.message(2, age_days=10, heard=True)
    newer_heard = office.message(1, age_days=2, heard=True)
    policy = RetentionPolicy(min_free_percent=10)
    # Room the recordings can make: no message is touched.
    enough = office.planned(policy, free=10 * MB - 60 * 1024)
    assert [item.recording_id for item in enough.deletions] == [recording]
    assert enough.messages == () and not enough.short
    # Far short: every recording that may go, then heard messages oldest first, never the
    # unheard one.
    short = office.planned(policy, free=0)
    assert [item.recording_id for item in short.deletions] == [recording]
    assert [item.message_id for item in short.messages] == [older_heard, newer_heard]
    assert {item.reason for item in short.messages} == {"disk below 10 % free"}
    assert short.short and short.held_protected == 1
    _, outcome = office.round(policy, free=0)
    assert {getattr(item, "message_id", None) for item in outcome.deleted} == {
        None, older_heard, newer_heard}
    assert office.listed() == {unheard}
    assert office.messages.get(older_heard).delete_reason == "disk below 10 % free"
    emergency = plan(office.store, office.folder.recordings, policy, DiskSpace(100 * MB, 0),
                     NOW, emergency=True, voicemail=office.folder.voicemail)
    assert emergency.messages == ()  # nothing heard is left


def test_without_the_voicemail_folder_messages_are_left_alone(office):
    office.message(1, age_days=40, heard=True)
    found = plan(office.store, office.folder.recordings, THIRTY_DAYS, DiskSpace(100 * MB, 0),
                 NOW)
    assert found.messages == ()


# ---- never deleted -------------------------------------------------------------------------


@pytest.mark.parametrize("way", ["call", "customer"])
def test_a_message_under_legal_hold_is_never_deleted(office, way):
    held = office.message(1, age_days=100, heard=True, number="+8613800138000")
    other = office.message(1, age_days=99, heard=True, number="+8613900139000")
    holds = LegalHold(office.store)
    if way == "call":
        holds.set_call(office.messages.get(held).call_id, True, AUDITOR)
    else:
        customer = Customers(office.store).create(
            {"name": "Zhang"}, [CustomerNumber("138 0013 8000", "+8613800138000")], None)
        holds.set_customer(customer, True, AUDITOR)
    assert [item.message_id for item in office.planned(THIRTY_DAYS).messages] == [other]
    nothing_free = office.planned(RetentionPolicy(), free=0)
    assert [item.message_id for item in nothing_free.messages] == [other]
    assert nothing_free.held_protected == 1
    office.round(THIRTY_DAYS, free=0)
    assert office.listed() == {held} and office.file_of(held).exists()


def test_a_hold_placed_after_the_plan_still_saves_the_message(office):
    message = office.message(1, age_days=40, heard=True)
    planned = office.planned(THIRTY_DAYS)
    LegalHold(office.store).set_call(office.messages.get(message).call_id, True, AUDITOR)
    outcome = retention.carry_out(office.store, office.folder.recordings, planned.messages,
                                  NOW, voicemail=office.folder.voicemail)
    assert [item.message_id for item in outcome.kept] == [message]
    assert office.file_of(message).exists() and office.listed() == {message}


def test_keep_until_backed_up_spares_the_messages_no_backup_copied(office):
    copied = office.message(1, age_days=50, heard=True, backed_up=True)
    not_copied = office.message(1, age_days=60, heard=True)
    policy = RetentionPolicy(keep_until_backed_up=True, message_keep_days=((1, 7, True),))
    assert [item.message_id for item in office.planned(policy).messages] == [copied]
    found = office.planned(policy, free=0)
    assert not_copied not in {item.message_id for item in found.messages}
    assert found.held_not_backed_up == 1


# ---- the order of a deletion, and what a kill leaves ------------------------------------------


def test_a_messages_row_is_marked_deleted_before_its_file_goes(office, monkeypatch):
    message = office.message(1, age_days=40, heard=True)
    path = office.file_of(message)
    seen = []
    real_unlink = Path.unlink

    def unlink(self, *args, **kwargs):
        if self == path:
            row = office.messages.get(message)
            entries = AuditLog(office.store).entries(action="retention_deleted")
            seen.append((row.deleted_at, [entry.target for entry in entries]))
        return real_unlink(self, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", unlink)
    office.round(THIRTY_DAYS)
    assert seen == [(NOW, [f"voicemail {message}"])]
    assert not path.exists()


def test_a_deletion_cut_short_after_its_row_is_finished_by_the_next_round_or_recovery(
    office, monkeypatch
):
    first = office.message(1, age_days=40, heard=True)
    second = office.message(1, age_days=41, heard=True)
    files = [office.file_of(first), office.file_of(second)]
    with monkeypatch.context() as killed:  # the process stops before the files go
        killed.setattr(retention, "_remove_files", lambda *args, **kwargs: None)
        office.round(THIRTY_DAYS)
    assert office.listed() == set() and all(path.exists() for path in files)
    # The next round removes what the last one left...
    retention.remove_leftovers(office.store, office.folder.recordings, NOW + 60,
                               voicemail=office.folder.voicemail)
    assert not any(path.exists() for path in files)
    # ... and so does recovery, for any deleted message whose file is still there (one a
    # restore brought back, say).
    files[1].parent.mkdir(parents=True, exist_ok=True)
    files[1].write_bytes(b"RIFF")
    report = recover_data_folder(office.folder, NOW + 86400 * 10)
    assert report.messages_removed == [office.messages.get(second).path]
    assert not files[1].exists() and report.fixed
    assert recover_data_folder(office.folder, NOW + 86400 * 10).messages_removed == []


def test_a_person_deleting_a_message_marks_its_row_first(office, monkeypatch, caplog):
    message = office.message(1, age_days=1)
    path = office.file_of(message)
    real_unlink = Path.unlink

    def unlink(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_unlink(self, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", unlink)
    office.messages.delete(message, office.folder.voicemail, at=NOW)
    assert office.messages.get(message).deleted_at == NOW and path.exists()
    assert office.messages.get(message).delete_reason is None  # a person's, not retention's
    assert "retention removes it" in caplog.text
    monkeypatch.setattr(Path, "unlink", real_unlink)
    office.round(RetentionPolicy())  # any round
    assert not path.exists()


# ---- the engine's thread -------------------------------------------------------------------


def test_the_engines_retention_applies_a_lines_voicemail_age_limit(office, monkeypatch):
    config = Config(default_config().device,
                    [Line(number=1, voicemail=Voicemail(enabled=True, keep_days=30))])
    old = office.message(1, age_days=40, heard=True)
    new = office.message(1, age_days=5, heard=True)
    unheard = office.message(1, age_days=50)
    monkeypatch.setattr(service_module.DiskSpace, "of",
                        classmethod(lambda cls, path: DiskSpace(100 * MB, PLENTY)))
    service = RetentionService(office.store, office.folder.recordings, lambda: config,
                               clock=lambda: NOW, voicemail=office.folder.voicemail)
    service.start()
    try:
        deadline = time.monotonic() + 10
        while office.messages.get(old).deleted_at is None and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        service.stop()
    assert office.listed() == {new, unheard}
    assert service.state().deleted_total == 1
