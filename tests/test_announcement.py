"""The announcement before recording, end to end on a simulated line: heard on the line as
the call is answered or connects, held by the recording where its marks say, and never in
the way of the call being logged and recorded."""

from __future__ import annotations

import logging
import wave

import numpy as np
import pytest

from dsp_ext.dtmf import dtmf_generate
from firmware.acts import announcement
from firmware.cli.processes import open_configured_line
from firmware.config import ConfigStore, default_config
from firmware.engine import Engine
from firmware.engine import state as machine
from firmware.engine.announcing import may_be_recorded
from firmware.link import contract
from firmware.store.db import Store
from firmware.store.recordings import read_sidecar
from tests.test_acts import Caller, prompt_audio

FRAME_S = 0.02
ANNOUNCEMENT = prompt_audio(1.2, 5)
OWN_PROMPT = prompt_audio(0.8, 9)
PROMPTS = {"announcement": ANNOUNCEMENT, 12: OWN_PROMPT}


def configure(data_dir, *, announce="both", prompt="announcement", **device) -> None:
    store = ConfigStore(data_dir)
    store.save(default_config(1))
    store.update_line(1, announcement=announce, announcement_prompt=prompt,
                      recording={"encoding": "pcm16"})
    if device:
        store.set_device(**device)


class Listener(Caller):
    """A caller who also notes when the box's frames were first and last heard."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.first_heard: int | None = None  # frames pushed when the box was first heard
        self.last_heard: int | None = None

    def frames(self, count: int, until=None) -> bool:
        for _ in range(count):
            before = self.heard
            done = super().frames(1, until)
            if self.heard > before:
                if self.first_heard is None:
                    self.first_heard = self.pushed
                self.last_heard = self.pushed
            if until is not None and done:
                return True
        return until is None


def make_box(tmp_path, request, prompts=PROMPTS):
    events: list[contract.Event] = []
    prefix = f"announce-{request.node.name}-"
    engine = Engine(
        tmp_path,
        lambda line: open_configured_line(line, prefix),
        publish=events.append,
        prompt_audio=prompts.get,
    )
    caller = Listener(f"{prefix}1", lambda: engine.workers[1].frames if 1 in engine.workers
                      else None)
    engine.start()
    return engine, caller, events


@pytest.fixture
def box(tmp_path, request):
    configure(tmp_path)
    engine, caller, events = make_box(tmp_path, request)
    yield engine, caller, events
    caller.line.end_audio()
    engine.stop()


def answer(engine, caller) -> int:
    """An inbound call answered; the frames pushed when the phone went off hook."""
    caller.line.set_ringing(True)
    caller.frames(25)
    caller.line.set_ringing(False)
    caller.frames(10)
    caller.line.set_off_hook(True)
    answered_at = caller.pushed
    worker = engine.workers[1]
    assert caller.frames(200, lambda: worker.state.phase == contract.Phase.IN_CALL)
    return answered_at


def dial(engine, caller, number: str) -> None:
    """An outbound call: off hook, ``number`` dialled, connected once the dialling ended."""
    caller.line.set_off_hook(True)
    caller.frames(20)
    caller.send(dtmf_generate(number, level_dbm0=-10))
    worker = engine.workers[1]
    assert caller.frames(600, lambda: worker.state.phase == contract.Phase.IN_CALL)


def ended_calls(events) -> int:
    return sum(isinstance(e, contract.CallEnded) for e in events)


def hang_up(caller, events) -> None:
    before = ended_calls(events)
    caller.line.set_off_hook(False)
    assert caller.frames(300, lambda: ended_calls(events) > before)


def acts(events) -> list[tuple]:
    return [(type(e).__name__, e.act) for e in events
            if isinstance(e, contract.ActStarted | contract.ActEnded)]


def recording_audio(engine) -> tuple[np.ndarray, object]:
    store = Store(engine.folder.database)
    (row,) = store.recordings()
    with wave.open(str(engine.folder.recordings / row.path), "rb") as wav:
        audio = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    return audio.astype(np.float64), row


def rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(audio**2))) if audio.size else 0.0


def test_an_answered_call_hears_the_announcement_and_its_recording_shows_where(box):
    engine, caller, events = box
    answered_at = answer(engine, caller)
    assert caller.frames(200, lambda: acts(events)[-1:] == [("ActEnded", "announcement")])
    caller.frames(100)
    hang_up(caller, events)
    # Heard on the line within 300 ms of the answer, for as long as the prompt.
    assert (caller.first_heard - answered_at) * FRAME_S <= 0.3
    assert abs(caller.heard - ANNOUNCEMENT.size / 160) <= 2
    assert acts(events) == [("ActStarted", "announcement"), ("ActEnded", "announcement")]
    started = next(e for e in events if isinstance(e, contract.ActStarted))
    assert started.status.act == "announcement" and started.status.phase == contract.Phase.IN_CALL
    # The call is logged and recorded as always.
    store = Store(engine.folder.database)
    (call,) = store.calls(1)
    assert (call.direction, call.outcome) == ("in", "answered")
    audio, row = recording_audio(engine)
    assert row.call_id == call.id
    # The mark: where the echo of the prompt is in the recording, to a frame.
    (mark,) = store.recording_marks([row.id])
    assert mark.kind == "announcement"
    assert mark.start_s <= 0.3
    assert mark.end_s - mark.start_s == pytest.approx(ANNOUNCEMENT.size / 8000, abs=0.041)
    inside = audio[int(mark.start_s * 8000) : int(mark.end_s * 8000)]
    before = audio[: max(0, int(mark.start_s * 8000) - 80)]
    after = audio[int(mark.end_s * 8000) + 400 :]
    assert rms(inside) > 20 * max(rms(after), 8.0)
    assert rms(before) < 30
    loud = np.flatnonzero(np.abs(audio) > 200) / 8000  # the echo, well above the line's noise
    assert mark.start_s <= loud[0] < mark.start_s + 0.1
    assert mark.end_s - 0.05 < loud[-1] <= mark.end_s + 0.005
    # The sidecar says so too.
    sidecar = read_sidecar(engine.folder.recordings / row.path)
    assert sidecar["marks"] == [{"kind": "announcement", "start_s": mark.start_s,
                                 "end_s": mark.end_s}]


def test_an_outbound_call_is_announced_when_it_connects(box):
    engine, caller, events = box
    dial(engine, caller, "10086")
    connected_at = caller.pushed
    assert caller.frames(200, lambda: acts(events)[-1:] == [("ActEnded", "announcement")])
    hang_up(caller, events)
    assert (caller.first_heard - connected_at) * FRAME_S <= 0.3
    store = Store(engine.folder.database)
    (call,) = store.calls(1)
    assert (call.direction, call.number) == ("out", "10086")
    audio, row = recording_audio(engine)
    (mark,) = store.recording_marks([row.id])
    # The recording reaches back to the last digit: the announcement is seconds into it.
    assert mark.start_s > 3.0
    inside = audio[int(mark.start_s * 8000) : int(mark.end_s * 8000)]
    assert rms(inside) > 20 * max(rms(audio[int(mark.end_s * 8000) + 400 :]), 8.0)


@pytest.mark.parametrize(("announce", "direction", "played"), [
    ("inbound", "out", False),
    ("outbound", "in", False),
    ("off", "in", False),
    ("outbound", "out", True),
])
def test_only_the_directions_set_are_announced(tmp_path, request, announce, direction, played):
    configure(tmp_path, announce=announce)
    engine, caller, events = make_box(tmp_path, request)
    try:
        if direction == "in":
            answer(engine, caller)
        else:
            dial(engine, caller, "10086")
        caller.frames(150)
        hang_up(caller, events)
        assert (caller.heard > 0) == played
        assert bool(acts(events)) == played
        store = Store(engine.folder.database)
        (row,) = store.recordings()  # recorded either way
        assert bool(store.recording_marks([row.id])) == played
    finally:
        caller.line.end_audio()
        engine.stop()


def test_a_number_on_the_no_record_list_hears_nothing(tmp_path, request):
    configure(tmp_path, no_record=["10086"])
    engine, caller, events = make_box(tmp_path, request)
    try:
        dial(engine, caller, "10086")
        caller.frames(150)
        hang_up(caller, events)
        assert caller.heard == 0 and acts(events) == []
        store = Store(engine.folder.database)
        assert store.calls(1)[0].number == "10086"
        assert store.recordings() == []
    finally:
        caller.line.end_audio()
        engine.stop()


def test_the_prompt_chosen_in_the_settings_is_played(tmp_path, request):
    configure(tmp_path, prompt=12)
    engine, caller, events = make_box(tmp_path, request)
    try:
        answer(engine, caller)
        assert caller.frames(200, lambda: acts(events)[-1:] == [("ActEnded", "announcement")])
        hang_up(caller, events)
        assert abs(caller.heard - OWN_PROMPT.size / 160) <= 2
    finally:
        caller.line.end_audio()
        engine.stop()


def test_a_new_setting_reaches_the_running_line_without_a_restart(tmp_path, request):
    configure(tmp_path, announce="off")
    engine, caller, events = make_box(tmp_path, request)
    try:
        answer(engine, caller)
        caller.frames(100)
        hang_up(caller, events)
        assert caller.heard == 0
        ConfigStore(tmp_path).update_line(1, announcement="inbound")
        worker = engine.workers[1]
        reply = engine.reload_config()
        assert reply.restarting == ()
        caller.frames(5)
        assert engine.workers[1] is worker
        answer(engine, caller)
        assert caller.frames(200, lambda: acts(events)[-1:] == [("ActEnded", "announcement")])
        assert caller.heard > 0
        hang_up(caller, events)
    finally:
        caller.line.end_audio()
        engine.stop()


def test_a_caller_who_hangs_up_during_the_announcement_leaves_it_marked_to_the_end(box):
    engine, caller, events = box
    answer(engine, caller)
    assert caller.frames(50, lambda: caller.heard > 20)
    hang_up(caller, events)
    ended = [e for e in events if isinstance(e, contract.ActEnded)]
    assert [(e.act, e.outcome) for e in ended] == [("announcement", "caller_hung_up")]
    store = Store(engine.folder.database)
    audio, row = recording_audio(engine)
    (mark,) = store.recording_marks([row.id])
    assert mark.end_s <= audio.size / 8000 + 1e-3
    assert 0.3 < mark.end_s - mark.start_s < ANNOUNCEMENT.size / 8000


def test_a_line_whose_playback_fails_still_logs_and_records_the_call(tmp_path, request, caplog):
    configure(tmp_path)
    engine, caller, events = make_box(tmp_path, request)
    try:
        playback = engine.workers[1].io.playback

        def broken(frame, sounds_with=None):
            raise OSError(5, "Input/output error")

        playback._write = broken
        with caplog.at_level(logging.WARNING):
            answer(engine, caller)
            caller.frames(150)
            hang_up(caller, events)
            answer(engine, caller)  # the next call: said once, not played
            caller.frames(150)
            caller.frames(30)
            hang_up(caller, events)
        store = Store(engine.folder.database)
        calls = store.calls(10)
        assert [c.outcome for c in calls] == ["answered", "answered"]
        rows = store.recordings()
        assert len(rows) == 2 and all(row.state == "complete" for row in rows)
        assert store.recording_marks([row.id for row in rows]) == []
        failed = [r for r in caplog.records if "playback to" in r.getMessage()]
        assert len(failed) == 1
        not_played = [r for r in caplog.records if "announcement is not played" in r.getMessage()]
        assert len(not_played) == 1
        assert caller.heard == 0
    finally:
        caller.line.end_audio()
        engine.stop()


def test_a_line_without_playback_says_so_once_a_call(tmp_path, request, caplog):
    configure(tmp_path)
    ConfigStore(tmp_path).update_line(1, playback="null:")
    engine, caller, events = make_box(tmp_path, request)
    try:
        with caplog.at_level(logging.WARNING):
            answer(engine, caller)
            caller.frames(60)
            hang_up(caller, events)
        said = [r for r in caplog.records if "no playback" in r.getMessage()]
        assert len(said) == 1
        store = Store(engine.folder.database)
        assert len(store.recordings()) == 1 and store.calls(1)[0].outcome == "answered"
    finally:
        caller.line.end_audio()
        engine.stop()


# ---- the rule, without a line -------------------------------------------------------


def test_which_directions_a_setting_announces():
    assert [announcement.announces(s, "in") for s in announcement.DIRECTIONS] == [
        True, False, True, False]
    assert announcement.announces("both", "out") and not announcement.announces("off", "out")
    assert not announcement.announces("both", None)


def test_nothing_that_is_not_recorded_is_announced():
    call = machine.Call("in", 0.0, answered_at=1.0, number="10086")
    state = machine.LineState(phase=machine.Phase.IN_CALL, call=call)
    assert may_be_recorded(state, 1.0)
    for policy in (machine.Policy(mode="off"), machine.Policy(no_record=frozenset({"10086"})),
                   machine.Policy(mode="schedule")):
        assert not may_be_recorded(machine.LineState(policy, machine.Phase.IN_CALL, call), 1.0)
    for mode in ("vox", "manual"):
        assert may_be_recorded(machine.LineState(machine.Policy(mode=mode),
                                                 machine.Phase.IN_CALL, call), 1.0)
