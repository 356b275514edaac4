"""The simulated office's callers: a line's hybrid, and agents who hear the box and answer it.

The box is played by hand here: frames written to the simulated line as the
engine's player writes them (``_play``) and its relay set (``_set_relay``);
the engine end to end is in tests/test_acts.py."""

from __future__ import annotations

import numpy as np
import pytest

from audio_format import FRAME_SAMPLES
from drivers.simline import SimLine
from dsp_ext import levels
from dsp_ext.dtmf import DtmfDetector
from firmware.simulation.callers import (
    CallerAgent,
    announced_call,
    behaviour_for,
    blocked_caller,
    ivr_caller,
    survey_caller,
    voicemail_caller,
)
from firmware.simulation.hybrid import echo_path, erl_db, line_echo_path
from firmware.simulation.scenario import ScenarioError, from_document
from firmware.simulation.timeline import build_line
from tests.test_simulation import MARKER_SOUNDS

SILENT = np.zeros(FRAME_SAMPLES, dtype=np.int16)


def tone_frame(level: float = 6000.0) -> np.ndarray:
    t = np.arange(FRAME_SAMPLES) / 8000
    return (level * np.sin(2 * np.pi * 500 * t)).astype(np.int16)


class FakeBox:
    """Plays on a line as the engine would: ``script`` maps frames to what happens then."""

    def __init__(self) -> None:
        self.line = SimLine("fake-box")
        self.sent: list[np.ndarray] = []
        self.listeners = []
        self.off_hook = True
        self.line.set_off_hook(True)

    def run(self, agent: CallerAgent, frames: int, box) -> None:
        for number in range(agent.start, agent.start + frames):
            box(number, self.line)
            sent = agent.frame(number)
            self.sent.append(np.zeros(FRAME_SAMPLES) if sent is None else sent)
            if agent.done:
                return

    def keys(self) -> str:
        audio = np.clip(np.round(np.concatenate(self.sent)), -32768, 32767).astype(np.int16)
        return "".join(digit.digit for digit in DtmfDetector().feed(audio))


def call(**fields):
    scenario = from_document({"call": [{"line": 1, "at": 0, **fields}]})
    return scenario.call[0]


def prompts(*spans):
    """A box that holds the line from frame 5 and plays sound over ``spans`` of frames."""

    def box(number, line):
        if number == 5:
            line._set_relay(True)
        if any(begin <= number < end for begin, end in spans):
            line._play(tone_frame())
        elif number >= 5:
            line._play(SILENT)

    return box


def test_the_hybrids_have_their_drawn_echo_return_loss_and_a_telephone_shape():
    losses = []
    for line in range(1, 41):
        path = line_echo_path(7, line)
        assert erl_db(path.response) == pytest.approx(path.erl_db, abs=0.01)
        assert 6.0 <= path.erl_db <= 20.0
        assert path.response.size == 128 and not path.response[: int(path.delay_ms * 8) - 1].any()
        spectrum = np.abs(np.fft.rfft(path.response, 1024)) ** 2
        band = 10 * np.log10(spectrum[38:435].mean())  # 300-3400 Hz
        assert 10 * np.log10(spectrum[:6].mean()) < band - 6  # little below 50 Hz
        losses.append(path.erl_db)
    assert min(losses) < 9 and max(losses) > 17  # the lines differ
    np.testing.assert_array_equal(line_echo_path(7, 3).response, line_echo_path(7, 3).response)
    assert echo_path(1, erl=12.0).erl_db == 12.0


def test_a_survey_caller_waits_for_the_box_then_rates_one_second_into_the_prompt():
    fake = FakeBox()
    agent = CallerAgent(fake.line, survey_caller(call(survey="4"), None), start=0)
    fake.run(agent, 400, prompts((60, 200)))
    heard = agent.heard
    assert heard.seized_at == 5
    assert not fake.line._off_hook  # the operator hung up once the box held the line
    assert heard.prompts == [60]
    assert [(at, key) for at, key in heard.keys] == [(110, "4")]  # 1 s into the prompt
    assert fake.keys() == "4"
    assert not agent.done  # it listens until the box lets go
    fake.run(agent, 10, lambda number, line: line._set_relay(False))
    assert agent.done and agent.ended_at == heard.released_at


def test_a_survey_caller_may_press_after_the_prompt_ended_or_not_at_all():
    fake = FakeBox()
    agent = CallerAgent(
        fake.line,
        survey_caller(call(survey="2", keys_when="after", keys_delay_s=0.5), None),
        start=0,
    )
    fake.run(agent, 300, prompts((60, 100)))
    # quiet for 0.3 s from frame 100 (the last loud one is 99), then 0.5 s
    assert agent.heard.keys == [(99 + 15 + 25, "2")]
    fake = FakeBox()
    agent = CallerAgent(fake.line, survey_caller(call(survey="none"), None), start=0)
    fake.run(agent, 400, prompts((60, 100), (200, 250)))
    assert agent.heard.prompts == [60, 200] and agent.heard.keys == [] and fake.keys() == ""


def test_a_caller_who_hangs_up_mid_prompt_leaves_busy_tone_until_the_box_lets_go():
    fake = FakeBox()
    agent = CallerAgent(
        fake.line, survey_caller(call(survey="3", survey_hangs_up=True), None), start=0
    )
    fake.run(agent, 200, prompts((60, 400)))
    assert agent.heard.hung_up_at == 110 and agent.heard.keys == []
    busy = np.concatenate(fake.sent[111:200])
    spectrum = np.abs(np.fft.rfft(busy))
    assert abs(np.fft.rfftfreq(busy.size, 1 / 8000)[np.argmax(spectrum)] - 450) < 5  # China
    assert -20 < levels.rms_dbm0(busy) < -13  # a cadence of on and off at -13 dBm0
    fake.run(agent, 5, lambda number, line: line._set_relay(False))
    assert agent.done


def test_the_operator_hangs_up_anyway_when_the_box_never_takes_the_line():
    fake = FakeBox()
    agent = CallerAgent(fake.line, survey_caller(call(survey="4"), None), start=0)
    fake.run(agent, 500, lambda number, line: None)
    assert agent.done and agent.heard.seized_at is None and not fake.line._off_hook
    assert agent.ended_at == 150 + 30  # the hand-over's wait, then the operator leaves


def test_a_voicemail_caller_rings_until_the_box_answers_then_speaks_after_the_beep():
    fake = FakeBox()
    fake.line.set_off_hook(False)
    rings = []
    fake.line._signal = lambda event: rings.append(type(event).__name__)

    def box(number, line):
        if number == 300:  # in the second ring (China: 1 s on, 4 s off)
            line._set_relay(True)
        if 310 <= number < 400 or 420 <= number < 430:  # the greeting, then the beep
            line._play(tone_frame())
        elif number >= 300:
            line._play(SILENT)

    agent = CallerAgent(fake.line, voicemail_caller(call(voicemail=True, message_s=3.0), None),
                        start=0)
    fake.run(agent, 1000, box)
    assert rings == ["RingStarted", "RingStopped", "RingStarted", "RingStopped"]
    assert agent.heard.answered_in_ring == 2
    # 0.6 s after the beep's last frame the caller speaks for 3 s, then hangs up 0.5 s later
    spoken = np.concatenate(fake.sent[459:609])
    assert levels.rms_dbm0(spoken[spoken != 0]) > -35
    assert not np.concatenate(fake.sent[:459]).any()
    assert agent.heard.hung_up_at == 429 + 30 + 150 + 25


def test_an_ivr_caller_presses_their_keys_after_the_welcome_prompt():
    fake = FakeBox()
    fake.line.set_off_hook(False)

    def box(number, line):
        if number == 10:
            line._set_relay(True)
        line._play(tone_frame() if 20 <= number < 120 else SILENT)

    agent = CallerAgent(fake.line, ivr_caller(call(ivr_keys="21", keys_delay_s=0.2), None),
                        start=0)
    fake.run(agent, 400, box)
    assert agent.heard.answered_in_ring == 1
    assert [key for _, key in agent.heard.keys] == ["2", "1"]
    assert agent.heard.keys[0][0] == 119 + 15 + 10
    assert fake.keys() == "21"


def test_each_act_has_its_behaviour_and_the_timeline_hands_the_call_to_it():
    assert behaviour_for(call(survey="4"))[0] == "survey"
    assert behaviour_for(call(voicemail=True, answered=False))[0] == "voicemail"
    assert behaviour_for(call(ivr_keys="2"))[0] == "ivr"
    assert behaviour_for(call()) is None
    scenario = from_document({"call": [
        {"line": 1, "at": 0, "rings": 1, "talk": 10, "survey": "5"},
        {"line": 1, "at": 100, "rings": 2, "voicemail": True},
    ]})
    timeline = build_line(scenario, 1, MARKER_SOUNDS)
    survey, voicemail = timeline.interactions
    # The operator presses the code after the talk and the agent takes over; no hang-up
    # is scripted: the agent does it.
    assert survey.act == "survey" and survey.at == pytest.approx(0.4 + 10 + 0.5 + 0.07 * 2
                                                               + 0.25 + 0.1)
    assert [c.kind for c in timeline.signals] == ["ring_on", "ring_off", "off_hook"]
    assert voicemail.act == "voicemail" and voicemail.at == 100
    first, second = timeline.expected
    assert (first.act, first.act_value, first.act_outcome) == ("survey", "5", "done")
    assert (second.act, second.box_answers_at_ring, second.outcome) == ("voicemail", 2, "answered")


@pytest.mark.parametrize(("fields", "message"), [
    ({"survey": "4", "answered": False}, "must be answered for a survey"),
    ({"survey": "4", "voicemail": True}, "survey and voicemail in one call"),
    ({"survey_hangs_up": True}, "the call has no survey"),
    ({"survey": "x"}, "not a string of DTMF digits"),
    ({"direction": "out", "number": "10086", "ivr_keys": "1"}, "needs an inbound call"),
    ({"direction": "out", "number": "10086", "firewall": "black"}, "needs an inbound call"),
    ({"firewall": "black", "private": "P"}, "without caller ID is not on a list"),
    ({"ivr_to": "survey"}, "the call has no ivr_keys"),
    ({"announced": True, "answered": False}, "must be answered"),
    ({"announced": True, "survey": "3"}, "survey and announced in one call"),
])
def test_acts_that_cannot_happen_are_refused_with_the_place(fields, message):
    with pytest.raises(ScenarioError, match=message):
        from_document({"call": [{"line": 1, "at": 0, **fields}]})


@pytest.mark.parametrize(("calls", "message"), [
    ([{"announced": True}, {"at": 200}], r"call\[1\]: line 1 announces its inbound calls"),
    ([{"voicemail": True, "rings": 3, "answered": False}, {"at": 200, "rings": 3}],
     r"call\[1\].rings: 3, but the box answers line 1 after 3 \(voicemail\)"),
    ([{"ivr_keys": "1", "rings": 2}, {"at": 200, "rings": 2, "answered": False}],
     r"after 2 \(ivr_keys\)"),
    ([{"ivr_keys": "1", "rings": 2}, {"at": 200, "ivr_keys": "2", "rings": 3}],
     "the box answers after one number of rings"),
    ([{"firewall": "black", "number": "13900001111"},
      {"at": 200, "number": "13900001111", "line": 2}], "its calls name different lists"),
])
def test_a_scenario_expects_one_box_set_up_for_all_its_calls(calls, message):
    with pytest.raises(ScenarioError, match=message):
        from_document({"call": [{"line": 1, "at": 0, **fields} for fields in calls]})


def test_an_ivr_caller_rung_through_talks_with_the_phone_that_picks_up():
    fake = FakeBox()
    fake.line.set_off_hook(False)

    def box(number, line):
        if number == 10:
            line._set_relay(True)
        if line._off_hook and line.relay_seized:  # the phone picked up: the box lets go
            line._set_relay(False)
        line._play(tone_frame() if 20 <= number < 120 or 200 <= number < 400 else SILENT)

    agent = CallerAgent(fake.line, ivr_caller(call(ivr_keys="0", ivr_to="ring_through",
                                                   keys_delay_s=0.2, talk=2.0), None), start=0)
    fake.run(agent, 1000, box)
    assert fake.keys() == "0"
    # The ringback began at 200; a phone picked up 4 s later, talked 2 s and hung up.
    assert agent.heard.released_at == 401 and agent.done
    assert agent.ended_at == 200 + 200 + 100 + 25
    assert not fake.line._off_hook


def test_a_black_listed_caller_rings_until_the_box_answers_and_lets_go():
    fake = FakeBox()
    fake.line.set_off_hook(False)

    def box(number, line):
        line._set_relay(120 <= number < 160)
        line._play(SILENT)

    agent = CallerAgent(fake.line, blocked_caller(call(firewall="black"), None), start=0)
    fake.run(agent, 1000, box)
    assert agent.heard.answered_in_ring == 1
    assert (agent.heard.seized_at, agent.heard.released_at, agent.ended_at) == (120, 160, 160)
    assert agent.heard.hung_up_at is None and not fake.keys()


def test_an_announced_call_s_parties_listen_for_the_announcement_only():
    fake = FakeBox()
    agent = CallerAgent(fake.line, announced_call(call(announced=True), None), start=0)
    fake.run(agent, 500, lambda number, line: line._play(
        tone_frame() if 30 <= number < 130 else SILENT))
    assert agent.heard.prompts == [30] and agent.ended_at == 129 + 15
    assert fake.line._off_hook  # the call is the office's


def test_the_new_acts_have_their_behaviours_and_expected_results():
    assert behaviour_for(call(ivr_keys="1", ivr_to="survey", survey="4"))[0] == "ivr"
    assert behaviour_for(call(firewall="black"))[0] == "firewall"
    assert behaviour_for(call(firewall="red")) is None
    assert behaviour_for(call(announced=True))[0] == "announcement"
    scenario = from_document({"call": [
        {"line": 1, "at": 0, "rings": 3, "firewall": "black", "number": "13900001111"},
        {"line": 1, "at": 100, "rings": 2, "ivr_keys": "0", "ivr_to": "ring_through"},
        {"line": 1, "at": 250, "rings": 2, "ivr_keys": "3", "ivr_to": "voicemail",
         "message_s": 4.0},
        {"line": 2, "at": 0, "rings": 1, "announced": True},
    ]})
    blocked, through, message = build_line(scenario, 1, MARKER_SOUNDS).expected
    assert (blocked.outcome, blocked.act, blocked.act_value, blocked.blocked_by,
            blocked.box_answers_at_ring) == ("blocked", "firewall", "reject", "black_list", 1)
    assert (through.act_outcome, through.ivr_end) == ("handed_over", "ring_through")
    assert (message.act_outcome, message.message_s, message.ivr_end) == (
        "caller_hung_up", 4.0, "voicemail")
    line_2 = build_line(scenario, 2, MARKER_SOUNDS)
    (announced,) = line_2.expected
    assert (announced.act, announced.act_outcome) == ("announcement", "done")
    assert line_2.interactions[0].at == announced.answered_at
