"""Store and file errors never stop a line: writes wait for the store, recordings start again,
and the web says what is wrong instead of failing."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from firmware.engine import state as machine
from firmware.engine.actions import RETRY_RECORDING_S, LineActions
from firmware.engine.journal import FIRST_BACKOFF_S, MAX_BACKOFF_S, LineJournal
from firmware.engine.recorder import LineRecorder
from firmware.engine.state import LineState, Policy, step
from firmware.engine.storage_problems import StorageProblems
from firmware.link import contract
from firmware.store.db import Store
from firmware.store.recordings import RecordingFile
from firmware.tools.wavfile import read_wav
from tests.support.storage import disk_full_error
from tests.web_client import PASSWORD, web_box

T0 = 1_795_000_000.0


class FlakyStore:
    """A real store whose writes fail while ``full`` is set, as on a full disk."""

    WRITES = ("start_call", "update_call", "end_call", "add_recording", "finish_recording",
              "set_recording_state")

    def __init__(self, path: Path) -> None:
        self.store = Store(path)
        self.full = False
        self.attempts = 0

    def __getattr__(self, name):
        method = getattr(self.store, name)
        if name not in self.WRITES:
            return method

        def write(*args, **kwargs):
            self.attempts += 1
            if self.full:
                raise disk_full_error()
            return method(*args, **kwargs)

        return write


class Clock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_writes_wait_in_order_for_the_store_and_catch_up_when_it_comes_back(tmp_path):
    store = FlakyStore(tmp_path / "linerec.db")
    clock = Clock()
    problems, recovered = [], []
    journal = LineJournal(store, 2, clock=clock, on_problem=lambda what, error: problems.append(
        (what, str(error))), on_recovered=lambda: recovered.append(clock.now))
    store.full = True
    call = journal.start_call("in", T0)
    journal.update_call(call, number="13800138000", answered_at=T0 + 5)
    recording = journal.add_recording("2026/01/01/L2-x.wav", "alaw", T0 + 5, call)
    journal.finish_recording(recording, T0 + 20, 120_000, "ab" * 32)
    journal.end_call(call, "answered", T0 + 20)
    assert journal.waiting == 5 and call.id is None and recording.id is None
    assert problems == [("a new call", "database or disk is full")]
    assert store.attempts == 1  # the writes behind it did not knock on a full disk

    # Back-off: half a second, then doubling up to its ceiling, while the disk stays full.
    waits = []
    for _ in range(9):
        before = store.attempts
        journal.catch_up()  # too early: nothing tried
        assert store.attempts == before
        retry_at = journal._retry_at
        waits.append(round(retry_at - clock.now, 3))
        clock.now = retry_at
        journal.catch_up()
        assert store.attempts == before + 1
    assert waits[:4] == [FIRST_BACKOFF_S * factor for factor in (1, 2, 4, 8)]
    assert max(waits) == MAX_BACKOFF_S and len(problems) == 10

    store.full = False
    clock.now = journal._retry_at
    journal.catch_up()
    assert journal.waiting == 0 and recovered == [clock.now]
    logged = store.store.call(call.id)
    assert (logged.number, logged.outcome, logged.duration_s) == ("13800138000", "answered", 15)
    row = store.store.recording(recording.id)
    assert (row.call_id, row.state, row.samples) == (call.id, "complete", 120_000)


def test_a_write_the_store_refuses_for_good_is_dropped_and_holds_nothing_back(tmp_path):
    store = Store(tmp_path / "linerec.db")
    problems = []
    journal = LineJournal(store, 1, on_problem=lambda what, error: problems.append(what))
    call = journal.start_call("out", T0)
    journal.update_call(call, colour="red")  # not a call field: a fault, never to succeed
    journal.end_call(call, "unanswered", T0 + 9)
    assert journal.waiting == 0 and problems == ["a call's details"]
    assert store.call(call.id).outcome == "unanswered"


class Line:
    """A line's machine, actions and recorder, with a disk that fills on demand."""

    def __init__(self, tmp_path: Path, monkeypatch, rng: np.random.Generator) -> None:
        self.rng = rng
        self.full = False
        self.store = Store(tmp_path / "linerec.db")
        self.root = tmp_path / "recordings"
        self.problems = StorageProblems()
        self.disk_full_calls = 0
        self.events: list[contract.Event] = []
        self.recorder = LineRecorder(1, self.root, "alaw")
        self.actions = LineActions(
            1, self.store, self.recorder, "CN", publish=self.told,
            on_storage_problem=lambda what, error: self.problems.problem(1, what, error),
            on_disk_full=self.make_room,
        )
        self.state = LineState(policy=Policy())
        self.now = T0
        self.started_at: dict[str, float] = {}  # path -> line time the recording started
        append, create = RecordingFile.append, RecordingFile.__post_init__

        def full_append(recording, audio):
            if self.full:
                raise OSError(errno.ENOSPC, "No space left on device")
            append(recording, audio)

        def full_create(recording):
            if self.full:
                raise OSError(errno.ENOSPC, "No space left on device")
            create(recording)

        monkeypatch.setattr(RecordingFile, "append", full_append)
        monkeypatch.setattr(RecordingFile, "__post_init__", full_create)

    def told(self, event: contract.Event) -> None:
        self.events.append(event)
        if isinstance(event, contract.RecordingStarted):
            self.started_at[event.path] = self.now

    def make_room(self) -> None:
        self.disk_full_calls += 1

    def event(self, event: machine.Event) -> None:
        self.state, actions = step(self.state, event)
        self.actions.carry_out(self.state, actions)

    def talk(self, seconds: float) -> None:
        for _ in range(round(seconds * 50)):
            self.actions.frame(self.rng.integers(-8000, 8000, 160, dtype=np.int16), self.now)
            self.now += 0.02

    def kinds(self) -> list[str]:
        return [event.kind.value for event in self.events]


def test_a_full_disk_ends_a_recording_and_it_starts_again_within_a_second_of_room(
    tmp_path, monkeypatch, rng
):
    line = Line(tmp_path, monkeypatch, rng)
    line.event(machine.RingOn(T0))
    line.event(machine.OffHook(T0 + 2))
    line.now = T0 + 2
    line.talk(3.0)
    line.full = True
    full_at = line.now
    line.talk(20.0)  # twenty seconds of a full disk: every attempt fails
    assert line.kinds().count("recording_failed") == 1  # told once, not at every attempt
    assert not line.recorder.recording and line.disk_full_calls >= 19  # room asked for
    problem = next(p for p in line.problems.recent() if p.what == "a recording")
    assert problem.error == "No space left on device" and problem.count >= 19
    line.full = False
    room_at = line.now
    line.talk(4.0)
    line.event(machine.OnHook(line.now))
    second = [event for event in line.events if isinstance(event, contract.RecordingStarted)][1]
    assert line.started_at[second.path] - room_at <= RETRY_RECORDING_S + 0.02
    rows = {row.path: row for row in line.store.recordings()}
    assert {row.state for row in rows.values()} == {"recording", "complete"}
    assert rows[second.path].call_id == line.store.calls()[0].id
    # The second recording reaches back into the audio heard while the disk was full,
    # as far as the recorder keeps it (six seconds).
    audio = read_wav(line.root / second.path)
    assert audio.seconds == pytest.approx(line.now - line.started_at[second.path] + 6.0, abs=0.05)
    assert rows[second.path].started_at > full_at
    assert line.store.calls()[0].outcome == "answered"


def test_the_call_log_of_a_line_goes_on_through_a_full_database(tmp_path, monkeypatch, rng):
    line = Line(tmp_path, monkeypatch, rng)
    flaky = FlakyStore(tmp_path / "linerec.db")
    line.actions.journal.store = flaky
    flaky.full = True
    line.event(machine.RingOn(T0))
    line.event(machine.OffHook(T0 + 2))
    line.now = T0 + 2
    line.talk(2.0)
    line.event(machine.OnHook(line.now))
    assert line.kinds()[:2] == ["call_started", "line_state"]  # told, with no call id yet
    assert line.events[0].call_id is None and line.actions.journal.waiting >= 4
    assert line.disk_full_calls >= 1  # a full database asks for room as a full disk does
    flaky.full = False
    line.actions.journal.flush()  # as the line's worker does when the line stops
    call = flaky.store.calls()[0]
    recording = flaky.store.recordings()[0]
    assert (call.outcome, recording.call_id, recording.state) == ("answered", call.id, "complete")


def test_the_web_answers_a_full_disk_with_a_reason_and_keeps_people_signed_in(
    tmp_path, monkeypatch
):
    box = web_box(tmp_path)
    box.add_user("ana", "super", language="en")
    ana = box.signed_in("ana")
    accounts = type(box.deps.accounts)

    def full(*args, **kwargs):
        raise disk_full_error()

    for write in ("create_session", "touch_session"):
        monkeypatch.setattr(accounts, write, full)
    monkeypatch.setattr("webui.auth.TOUCH_EVERY_S", 0)  # every page tries to write
    assert ana.get("/live").status == 200  # reading goes on, signed in as before
    assert ana.get("/calls").status == 200
    other = box.client("192.0.2.77")
    other.get("/login", headers={"Accept-Language": "en"})
    answer = other.post("/login", {"username": "ana", "password": PASSWORD},
                        headers={"Accept-Language": "en"})
    assert answer.status == 503 and answer.headers["Retry-After"] == "30"
    assert "storage is full" in answer.text and "Traceback" not in answer.text
    assert "Content-Security-Policy" in answer.headers
    # Every page then says so, until a minute has passed.
    assert "storage is full" in ana.get("/live").text
    json_answer = other.post("/login", {"username": "ana", "password": PASSWORD},
                             headers={"Accept": "application/json", "Accept-Language": "en"})
    assert json_answer.status == 503 and "storage is full" in json_answer.json()["error"]
    box.close()


def test_the_web_names_a_damaged_database_and_a_broken_configuration(tmp_path, monkeypatch):
    box = web_box(tmp_path)
    box.add_user("ana", "super", language="en")
    ana = box.signed_in("ana")
    def damaged(*args, **kwargs):
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr("firmware.store.call_search.CallSearch.search_calls", damaged)
    answer = ana.get("/calls")
    assert answer.status == 503 and "database is damaged" in answer.text
    (tmp_path / "config.json").write_text('{"device": {"1": {"country": "XX"}}}')
    answer = ana.get("/admin/device")
    assert answer.status == 503 and "configuration cannot be read" in answer.text
    assert "linerec config restore" in answer.text
    box.close()
