"""A line's actions carried out: call log rows, recording files, events, full disks."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from dsp_ext import g711
from firmware.engine import state as machine
from firmware.engine.actions import LineActions
from firmware.engine.recorder import LineRecorder
from firmware.engine.state import LineState, Policy, step
from firmware.link import contract
from firmware.store.db import Store
from firmware.tools.wavfile import read_wav
from recovery.reconcile import reconcile

T0 = 1_795_000_000.0


@dataclass(frozen=True)
class FakeCallerId:
    number: str
    name: str | None = None
    format: str = "MDMF"
    date: str = "11231042"
    reason_absent: str | None = None


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


class Line:
    """The machine, the executor and the recorder of one line, driven by hand."""

    def __init__(self, tmp_path: Path, policy: Policy | None = None) -> None:
        self.clock = Clock()
        self.store = Store(tmp_path / "linerec.db")
        self.root = tmp_path / "recordings"
        self.recorder = LineRecorder(1, self.root, "alaw")
        self.events: list[contract.Event] = []
        self.seized: list[bool] = []
        self.log = LineActions(
            1, self.store, self.recorder, "CN", publish=self.events.append, seize=self.seized.append
        )
        self.state = LineState(policy=policy or Policy())
        self.sent: list[np.ndarray] = []

    def event(self, event: machine.Event) -> None:
        self.clock.now = event.at
        self.state, actions = step(self.state, event)
        self.log.carry_out(self.state, actions)

    def talk(self, seconds: float, rng: np.random.Generator) -> None:
        for _ in range(int(seconds * 50)):
            frame = rng.integers(-8000, 8000, 160, dtype=np.int16)
            self.sent.append(frame)
            self.log.frame(frame, self.clock.now)  # stamped with its start, as the engine does
            self.clock.now += 0.02

    def kinds(self) -> list[str]:
        return [event.kind.value for event in self.events]


def test_every_action_has_a_handler(tmp_path):
    line = Line(tmp_path)
    assert set(line.log._handlers) == set(machine.Action.__subclasses__())


def test_an_answered_call_is_logged_located_and_recorded(tmp_path, rng):
    line = Line(tmp_path)
    line.event(machine.RingOn(T0))
    line.event(
        machine.CallerIdReceived(T0 + 1.5, FakeCallerId("13800138000", "ZHANG SAN"), "13800138000")
    )
    line.event(machine.OffHook(T0 + 6))
    line.talk(3.0, rng)
    line.event(machine.OnHook(line.clock.now))

    call = line.store.calls()[0]
    assert (call.direction, call.outcome, call.number, call.name) == (
        "in",
        "answered",
        "13800138000",
        "ZHANG SAN",
    )
    assert (call.number_e164, call.location_zh, call.carrier_zh) == (
        "+8613800138000",
        "北京市",
        "中国移动",
    )
    assert (call.cid_format, call.cid_date) == ("MDMF", "11231042")
    assert call.duration_s == pytest.approx(3.0)

    recording = line.store.recordings()[0]
    assert recording.call_id == call.id
    assert recording.state == "complete"
    assert recording.samples == 3 * 8000
    audio = read_wav(line.root / recording.path)
    expected = g711.alaw_decode(g711.alaw_encode(np.concatenate(line.sent)))
    np.testing.assert_array_equal(audio.samples, expected)
    assert line.kinds() == [
        "call_started",
        "line_state",
        "caller_id",
        "call_answered",
        "line_state",
        "recording_started",
        "recording_stopped",
        "call_ended",
        "line_state",
    ]
    pop = line.events[2]
    assert pop.number == "13800138000" and pop.location_en == "Beijing"


def test_an_outbound_call_is_logged_with_the_number_dialled(tmp_path, rng):
    line = Line(tmp_path)
    line.event(machine.OffHook(T0))
    for index, digit in enumerate("075512345678"):
        line.event(machine.Digit(T0 + 1 + 0.2 * index, digit))
    line.event(machine.Tick(T0 + 8))
    line.event(machine.Digit(T0 + 9, "1"))  # a menu choice after connecting
    line.talk(1.0, rng)
    line.event(machine.OnHook(line.clock.now))
    call = line.store.calls()[0]
    assert (call.direction, call.number, call.location_en) == (
        "out",
        "075512345678",
        "Shenzhen, Guangdong",
    )
    assert line.store.recordings()[0].samples == 8000


def test_a_missed_call_has_no_recording(tmp_path):
    line = Line(tmp_path)
    line.event(machine.RingOn(T0))
    line.event(machine.RingOff(T0 + 1))
    line.event(machine.Tick(T0 + 20))
    assert line.store.calls()[0].outcome == "missed"
    assert line.store.recordings() == []
    assert not (tmp_path / "recordings").exists()


def test_voice_activation_keeps_the_preroll(tmp_path, rng):
    line = Line(tmp_path, Policy(mode="vox", preroll_s=0.2))
    line.talk(1.0, rng)  # the line before the voice was detected
    line.event(machine.VoiceStarted(line.clock.now))
    line.talk(1.0, rng)
    line.event(machine.VoiceStopped(line.clock.now))
    recording = line.store.recordings()[0]
    assert recording.call_id is None
    assert recording.samples == 8000 + 200 * 8  # one second plus 200 ms of pre-roll
    audio = read_wav(line.root / recording.path).samples
    expected = g711.alaw_decode(g711.alaw_encode(np.concatenate(line.sent[40:])))
    np.testing.assert_array_equal(audio, expected)


def test_a_full_disk_ends_the_recording_but_not_the_call(tmp_path, rng, monkeypatch):
    line = Line(tmp_path)
    line.event(machine.RingOn(T0))
    line.event(machine.OffHook(T0 + 2))
    line.talk(1.0, rng)
    recording = line.recorder._file

    def disk_full(audio):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(recording, "append", disk_full)
    line.talk(0.5, rng)
    assert "recording_failed" in line.kinds()
    assert not line.recorder.recording
    assert line.recorder.errors == 1
    line.event(machine.OnHook(line.clock.now))
    assert line.store.calls()[0].outcome == "answered"
    # What was written before the disk filled is a valid file, and recovery completes it.
    path = line.store.recordings()[0].path
    assert line.store.recordings()[0].state == "recording"
    report = reconcile(line.store, line.root)
    assert report.repaired == [path]
    row = line.store.recordings()[0]
    assert (row.state, row.samples) == ("repaired", 8000)
    assert read_wav(line.root / path).samples.size == 8000


def test_no_recording_file_is_made_when_the_folder_cannot_be_written(tmp_path):
    line = Line(tmp_path)
    line.root.parent.mkdir(exist_ok=True)
    line.root.write_text("a file where the folder should be")
    line.event(machine.RingOn(T0))
    line.event(machine.OffHook(T0 + 2))
    assert "recording_failed" in line.kinds()
    assert line.store.recordings() == []
    line.event(machine.OnHook(T0 + 10))
    assert line.store.calls()[0].outcome == "answered"


def test_seizing_the_line_drives_the_relay(tmp_path):
    line = Line(tmp_path)
    line.event(machine.Seize(T0))
    line.event(machine.Release(T0 + 5))
    assert line.seized == [True, False]
    assert line.store.calls()[0].direction == "out"


def test_two_recordings_of_one_call_in_the_same_second_both_keep_their_audio(tmp_path, rng):
    line = Line(tmp_path, Policy(mode="manual"))
    line.event(machine.RingOn(T0))
    line.event(machine.OffHook(T0 + 2))
    for _ in range(2):  # start, talk, stop twice within one second
        line.event(machine.RecordCommand(line.clock.now, start=True))
        line.talk(0.2, rng)
        line.event(machine.RecordCommand(line.clock.now, start=False))
    paths = [recording.path for recording in line.store.recordings()]
    assert len(paths) == 2 and len(set(paths)) == 2
    assert paths[1].endswith("-1-2.wav")
    assert [read_wav(line.root / path).samples.size for path in paths] == [1600, 1600]
    assert "recording_failed" not in line.kinds()


def test_every_event_carries_the_lines_whole_status_after_it(tmp_path, rng):
    line = Line(tmp_path)
    line.event(machine.RingOn(T0))
    line.event(machine.CallerIdReceived(T0 + 1.5, FakeCallerId("13800138000", "ZHANG SAN"),
                                        "13800138000"))
    line.event(machine.OffHook(T0 + 6))
    line.talk(1.0, rng)
    line.event(machine.OnHook(line.clock.now))
    call_id = line.store.calls()[0].id
    told = {event.kind.value: event.status for event in reversed(line.events)}  # the first each
    ringing = told["call_started"]
    assert (ringing.state, ringing.call_id, ringing.direction, ringing.since) == (
        "ringing", call_id, "in", T0
    )
    assert not ringing.recording and ringing.number is None
    known = told["caller_id"]
    assert (known.number, known.name, known.location_en) == ("13800138000", "ZHANG SAN", "Beijing")
    assert told["call_answered"].state == "in_call" and not told["call_answered"].recording
    assert told["recording_started"].recording and told["recording_started"].number == known.number
    assert not told["recording_stopped"].recording
    ended = told["call_ended"]
    assert ended == contract.LineStatus(1)  # idle, no call
    assert line.events[-1].status == line.log.status == ended
    # Each event names the call it is about; the line going idle after it is about none.
    assert [event.call_id for event in line.events] == [call_id] * (len(line.events) - 1) + [None]
    assert line.kinds()[-1] == "line_state"
