"""The box acting on a line: its prompts played in step, keys heard through their echo,
the survey end to end on a simulated line."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from drivers.simline import sim_line
from dsp_ext.dtmf import dtmf_generate
from firmware.cli.processes import open_configured_line
from firmware.engine import Engine
from firmware.link import contract
from firmware.prompts.library import make_own_prompts
from firmware.store.db import Store
from tests.engine_config import configure

FRAME = 160
# A line's echo as the box hears its own prompts: a few taps some 10 dB down.
HYBRID = np.zeros(48)
HYBRID[[6, 7, 9, 14]] = [0.25, -0.12, 0.06, 0.02]


def prompt_audio(seconds: float = 1.6, seed: int = 7) -> np.ndarray:
    """A speech-like prompt: voiced harmonics of a wandering pitch, syllable by syllable."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 8000)) / 8000
    pitch = 140 + 30 * np.sin(2 * np.pi * 1.3 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / 8000
    voiced = sum(np.sin(k * phase) / k for k in range(1, 12))
    syllables = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t + rng.uniform(0, 6))
    signal = voiced * syllables
    return (signal / np.abs(signal).max() * 9000).astype(np.int16)


PROMPTS = {
    "survey_opening": prompt_audio(2.0, 1),
    "survey_invalid": prompt_audio(1.0, 2),
    "survey_closing": prompt_audio(1.0, 3),
}


class Caller:
    """Drives one simulated line frame by frame: signals, and what the caller sends.

    Each frame waits until the line's worker has taken the one before, so what the
    test then reads of the line's state belongs to the frames pushed so far.
    """

    def __init__(self, name: str, worker_frames=lambda: None) -> None:
        self.line = sim_line(name, depth=1)
        self.worker_frames = worker_frames  # frames the engine's worker took, or None
        self.pushed = 0
        self.line.set_hybrid(HYBRID)
        self.rng = np.random.default_rng(11)
        self.sending: list[np.ndarray] = []
        self.heard = 0  # frames the box played that were not silence

    def frames(self, count: int, until=None) -> bool:
        """Push ``count`` frames of line noise and what is being sent; True if ``until``
        became true (checked after each frame)."""
        for _ in range(count):
            frame = self.rng.normal(0, 8, FRAME)
            if self.sending:
                part = self.sending[0][:FRAME]
                frame[: part.size] += part
                self.sending[0] = self.sending[0][FRAME:]
                if not self.sending[0].size:
                    self.sending.pop(0)
            assert self.line.push_audio(np.clip(frame, -32768, 32767).astype(np.int16),
                                        timeout=5)
            self.pushed += 1
            self._keep_in_step()
            while (played := self.line.take_played()) is not None:
                self.heard += bool(np.abs(played).max() > 0)
            if until is not None and until():
                return True
        return until is None

    def _keep_in_step(self) -> None:
        deadline = time.monotonic() + 5
        while (taken := self.worker_frames()) is not None and taken < self.pushed - 1:
            assert time.monotonic() < deadline, "the line's worker stopped taking frames"
            time.sleep(0.0005)

    def send(self, audio: np.ndarray) -> None:
        self.sending.append(audio.astype(np.float64))


@pytest.fixture
def box(tmp_path, request):
    configure(tmp_path, 1)
    events: list[contract.Event] = []
    prefix = f"acts-{request.node.name}-"
    engine = Engine(
        tmp_path,
        lambda line: open_configured_line(line, prefix),
        publish=events.append,
        prompt_audio=PROMPTS.get,
    )
    caller = Caller(f"{prefix}1", lambda: engine.workers[1].frames if 1 in engine.workers else None)
    engine.start()
    yield engine, caller, events
    caller.line.end_audio()
    engine.stop()


def call_ended(events) -> bool:
    return any(isinstance(e, contract.CallEnded) for e in events)


def answered_call(engine, caller) -> None:
    caller.line.set_ringing(True)
    caller.frames(25)
    caller.line.set_ringing(False)
    caller.frames(10)
    caller.line.set_off_hook(True)
    worker = engine.workers[1]
    assert caller.frames(200, lambda: worker.state.phase == contract.Phase.IN_CALL)


def survey_on(engine, caller) -> None:
    engine.handle_command(contract.ActCommand(1, "survey"))
    assert caller.frames(500, lambda: caller.line.relay_seized), "the box did not hold the line"
    caller.line.set_off_hook(False)  # the operator hangs up; the box keeps the caller


def test_a_survey_key_pressed_during_the_prompt_is_kept_with_the_call(box):
    engine, caller, events = box
    answered_call(engine, caller)
    survey_on(engine, caller)
    # Half-way through the opening prompt the caller presses 4, over the prompt's echo.
    assert caller.frames(200, lambda: caller.heard > 40)
    caller.send(dtmf_generate("4", level_dbm0=-12, on_ms=80, off_ms=40))
    assert caller.frames(600, lambda: not caller.line.relay_seized), "the box kept the line"
    assert caller.frames(500, lambda: call_ended(events))
    ended = [e for e in events if isinstance(e, contract.ActEnded)]
    assert [(e.act, e.outcome, e.value) for e in ended] == [("survey", "done", "4")]
    store = Store(engine.folder.database)
    call = store.calls(1)[0]
    assert (call.survey, call.outcome) == (4, "answered")
    # The prompts were heard on the line: the opening cut short by the key, then the closing.
    assert caller.heard >= 50 + 40


def test_a_caller_who_never_presses_hears_the_opening_twice_and_leaves_no_rating(box):
    engine, caller, events = box
    answered_call(engine, caller)
    survey_on(engine, caller)
    assert caller.frames(2000, lambda: not caller.line.relay_seized)
    assert caller.frames(500, lambda: call_ended(events))
    ended = [e for e in events if isinstance(e, contract.ActEnded)]
    assert [(e.act, e.outcome, e.value) for e in ended] == [("survey", "done", None)]
    # opening (2 s) + invalid (1 s) + opening again + closing (1 s), then released
    assert caller.heard >= (2 + 1 + 2 + 1) * 50 - 10
    assert Store(engine.folder.database).calls(1)[0].survey is None


def test_a_survey_is_refused_with_the_reason_when_the_line_is_not_in_a_call(box):
    engine, caller, _ = box
    caller.frames(5)
    with pytest.raises(ValueError, match="not in an answered call"):
        engine.handle_command(contract.ActCommand(1, "survey"))
    with pytest.raises(ValueError, match="cannot do that"):
        engine.handle_command(contract.ActCommand(1, "fireworks"))


def test_the_caller_hanging_up_ends_the_survey_and_the_call(box):
    engine, caller, events = box
    answered_call(engine, caller)
    survey_on(engine, caller)
    assert caller.frames(200, lambda: caller.heard > 20)
    # The exchange's busy tone after the caller hung up (China: 450 Hz, 0.35 s on/off).
    t = np.arange(3 * 8000) / 8000
    busy = (np.sin(2 * np.pi * 450 * t) * 3000 * ((t % 0.7) < 0.35)).astype(np.int16)
    caller.send(busy)
    assert caller.frames(400, lambda: not caller.line.relay_seized)
    assert caller.frames(500, lambda: call_ended(events))
    ended = [e for e in events if isinstance(e, contract.ActEnded)]
    assert [(e.outcome, e.value) for e in ended] == [("caller_hung_up", None)]
    assert engine.workers[1].state.phase == contract.Phase.IDLE


def test_the_operator_hands_the_caller_to_the_survey_with_its_key_code(box):
    engine, caller, events = box
    answered_call(engine, caller)
    caller.send(dtmf_generate("*5", level_dbm0=-10))
    assert caller.frames(500, lambda: caller.line.relay_seized), "the code did not start it"
    caller.line.set_off_hook(False)
    assert caller.frames(300, lambda: caller.heard > 30)
    caller.send(dtmf_generate("2", level_dbm0=-14))
    assert caller.frames(600, lambda: call_ended(events))
    ended = [e for e in events if isinstance(e, contract.ActEnded)]
    assert [(e.act, e.value) for e in ended] == [("survey", "2")]
    # The code's keys are not the call's digits.
    digits = [e.digits for e in events if isinstance(e, contract.DigitDialled)]
    assert digits == ["2"]


def test_the_box_speaks_its_own_prompts_and_hears_a_key_over_them(tmp_path):
    """No prompts given: the engine plays the library's, the box's own that the web makes
    (espeak-ng) once it runs; a key pressed during the spoken opening is heard."""
    configure(tmp_path, 1)
    assert "survey_opening" in make_own_prompts(tmp_path, threading.Event())
    events: list[contract.Event] = []
    engine = Engine(tmp_path, lambda line: open_configured_line(line, "acts-spoken-"),
                    publish=events.append)
    caller = Caller("acts-spoken-1",
                    lambda: engine.workers[1].frames if 1 in engine.workers else None)
    engine.start()
    try:
        answered_call(engine, caller)
        survey_on(engine, caller)
        assert caller.frames(300, lambda: caller.heard > 60)  # over a second of speech
        caller.send(dtmf_generate("3", level_dbm0=-16, on_ms=70, off_ms=40))
        assert caller.frames(1500, lambda: call_ended(events))
    finally:
        caller.line.end_audio()
        engine.stop()
    ended = [e for e in events if isinstance(e, contract.ActEnded)]
    assert [(e.act, e.value) for e in ended] == [("survey", "3")]


def test_the_simulated_office_plays_survey_calls_through_callers_who_hear_the_box(tmp_path):
    """Callers on lines with their own hybrids (seeded by the scenario) rate during the
    prompt, after it, not at all, or hang up mid-prompt (busy tone until the box lets
    go); each call's expected result is what the box logged."""
    from firmware.simulation.office import Office  # noqa: PLC0415
    from firmware.simulation.prompts import prompt_audio as office_prompts  # noqa: PLC0415
    from firmware.simulation.scenario import from_document  # noqa: PLC0415
    from firmware.simulation.sounds import box_sounds  # noqa: PLC0415

    scenario = from_document({"seed": 5, "lines": 2, "call": [
        {"line": 1, "at": 1.0, "rings": 1, "talk": 4, "survey": "4", "key_level_dbm0": -18},
        {"line": 2, "at": 1.0, "rings": 2, "talk": 3, "survey": "2", "keys_when": "after",
         "keys_delay_s": 0.5},
        {"line": 1, "at": 80.0, "rings": 1, "talk": 3, "survey": "3", "survey_hangs_up": True},
        {"line": 2, "at": 80.0, "direction": "out", "number": "10086", "rings": 1, "talk": 3,
         "survey": "none"},
    ]})
    configure(tmp_path, 2)
    prefix = "acts-office-"
    events: list[contract.Event] = []
    engine = Engine(tmp_path, lambda line: open_configured_line(line, prefix),
                    publish=events.append, prompt_audio=office_prompts)
    office = Office(scenario, box_sounds(), speed=0, prefix=prefix,
                    engine_frames=engine.line_frames)
    engine.start()
    office.start()
    office.join(timeout=120)
    assert engine.wait(timeout=60), "the lines did not finish"
    engine.stop()
    print("hybrids:", {n: str(p) for n, p in office.echo_paths.items()})
    start = engine.workers[1].started_at
    calls = sorted(Store(tmp_path / "linerec.db").calls(), key=lambda c: (c.line, c.started_at))
    expected = sorted(office.expected, key=lambda c: (c.line, c.started_at))
    ended = {e.call_id: e for e in events if isinstance(e, contract.ActEnded)}
    assert len(calls) == len(expected) == 4 == len(ended)
    for call, truth in zip(calls, expected, strict=True):
        assert (call.line, call.outcome, truth.act) == (truth.line, truth.outcome, "survey")
        act = ended[call.id]
        assert (act.act, act.outcome, act.value) == ("survey", truth.act_outcome, truth.act_value)
        assert call.survey == (None if truth.act_value is None else int(truth.act_value))
        # The box decides when the call ends; the office saw its relay a few frames later
        # (the office and the line's capture each hold a frame in hand).
        assert 0 <= truth.ended_at - (call.ended_at - start) <= 0.1
    hung_up = next(agent for agent in office.callers if agent.heard.hung_up_at is not None)
    # The box heard the busy tone (while it still sounded) and let go within 3 s.
    assert (hung_up.heard.released_at - hung_up.heard.hung_up_at) * 0.02 < 3.0


@pytest.mark.slow
def test_the_demo_office_round_ends_as_expected_every_act_included(tmp_path):
    from firmware.simulation.demo import prepare_demo_box  # noqa: PLC0415
    from firmware.simulation.office import Office  # noqa: PLC0415
    from firmware.simulation.prompts import prompt_audio as office_prompts  # noqa: PLC0415
    from firmware.simulation.scenario import load  # noqa: PLC0415
    from firmware.simulation.sounds import box_sounds  # noqa: PLC0415

    scenario = load("demo-office")
    scenario = type(scenario)(**{**vars(scenario), "loop": False})
    configure(tmp_path, scenario.lines)
    prepare_demo_box(tmp_path, scenario)
    prefix = "acts-demo-"
    events: list[contract.Event] = []
    engine = Engine(tmp_path, lambda line: open_configured_line(line, prefix),
                    publish=events.append, prompt_audio=office_prompts)
    office = Office(scenario, box_sounds(), speed=0, prefix=prefix,
                    engine_frames=engine.line_frames)
    engine.start()
    office.start()
    office.join(timeout=900)
    assert engine.wait(timeout=60)
    engine.stop()
    ended = {e.call_id: e for e in events if isinstance(e, contract.ActEnded)}
    calls = sorted(Store(tmp_path / "linerec.db").calls(), key=lambda c: (c.line, c.started_at))
    expected = sorted(office.expected, key=lambda c: (c.line, c.started_at))
    assert len(calls) == len(expected)
    acted = [(call, truth) for call, truth in zip(calls, expected, strict=True) if truth.act]
    assert len(acted) == len(ended) == 17
    assert {truth.act for _, truth in acted} == {
        "survey", "voicemail", "ivr", "firewall", "announcement"}
    for call, truth in acted:
        assert (call.line, call.outcome) == (truth.line, truth.outcome), call
        act = ended[call.id]
        assert (act.act, act.outcome, act.value) == (
            truth.act, truth.act_outcome, truth.act_value), call
