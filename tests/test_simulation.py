"""The simulated office: scenario files, line timelines and the speech-like voices."""

from __future__ import annotations

import math

import numpy as np
import pytest

from audio_format import SAMPLE_RATE as RATE
from dsp_ext import levels
from firmware.country.profiles import PROFILES
from firmware.simulation.scenario import ScenarioError, from_document, load
from firmware.simulation.timeline import Sounds, build_line
from firmware.simulation.voices import Conversation


def marker(frequency: float, seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return np.round(8000 * np.sin(2 * math.pi * frequency * t)).astype(np.int16)


# Stand-ins with known lengths and pitches, so the test can find each in the audio.
MARKER_SOUNDS = Sounds(
    caller_id_fsk=lambda request, standard: marker(1200 if standard == "bell202" else 1300, 0.5),
    caller_id_dtmf=lambda request: marker(697, 0.8),
    dtmf_digit=lambda digit: marker(941, 0.07),
    dual_tone_alert=lambda: marker(2130, 0.1),
)


def test_the_shipped_scenarios_load():
    demo = load("demo-office")
    assert demo.lines == 4 and demo.loop and len(demo.call) >= 30
    assert {call.direction for call in demo.call} == {"in", "out"}
    assert any(not call.answered for call in demo.call)
    short = load("short")
    assert [call.line for call in short.call] == [1, 2, 1]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"call": [{"line": 1, "at": 0, "colour": "red"}]}, "call[0].colour: unknown setting"),
        ({"lines": 2, "call": [{"line": 3, "at": 0}]}, "call[0].line: 3, but the office has 2"),
        ({"call": [{"line": 1, "at": 0, "number": "12x"}]}, "not a string of DTMF digits"),
        ({"call": [{"line": 1, "at": 0}, {"line": 1, "at": 10}]}, "call[1].at: 10"),
        ({"country": "XX"}, "country: 'XX' is not one of"),
        ({"call": [{"line": 1, "at": 0, "talk": 5, "keys": [{"after": 4.5, "keys": "#1"}]}]},
         "call[0].keys[0].after: 4.5 s leaves no time to press '#1'"),
        ({"call": [{"line": 1, "at": 0, "keys": [{"after": 1, "keys": "#x"}]}]},
         "call[0].keys[0].keys: '#x' is not a string of DTMF digits"),
    ],
)
def test_bad_scenarios_are_refused_with_the_place(document, message):
    with pytest.raises(ScenarioError, match=message.replace("[", r"\[").replace("]", r"\]")):
        from_document(document)


def test_an_unknown_scenario_name_lists_the_shipped_ones():
    with pytest.raises(ScenarioError, match="demo-office"):
        load("no-such-office")


def changes(timeline, kind):
    return [change.at for change in timeline.signals if change.kind == kind]


def test_an_inbound_call_rings_by_the_cadence_with_caller_id_between_the_rings():
    scenario = from_document(
        {"call": [{"line": 1, "at": 2.0, "number": "13800138000", "rings": 3, "talk": 10}]}
    )
    timeline = build_line(scenario, 1, MARKER_SOUNDS)
    # China: 1 s on, 4 s off; answered 0.4 s into the third burst.
    assert changes(timeline, "ring_on") == [2.0, 7.0, 12.0]
    assert changes(timeline, "ring_off") == [3.0, 8.0, 12.4]
    assert changes(timeline, "off_hook") == [12.4]
    assert changes(timeline, "on_hook") == [pytest.approx(22.4)]
    expected = timeline.expected[0]
    assert (expected.number, expected.outcome, expected.caller_id_at) == (
        "13800138000",
        "answered",
        pytest.approx(3.6),
    )
    # The caller-ID burst sits in the silence after the first ring.
    audio = timeline.render(0, 24 * RATE).astype(float)
    burst = audio[int(3.6 * RATE) : int(4.1 * RATE)]
    assert levels.rms_dbm0(burst) > -20
    assert levels.rms_dbm0(audio[int(4.3 * RATE) : int(6.9 * RATE)]) < -60  # quiet until ring 2
    assert levels.rms_dbm0(audio[int(13 * RATE) : int(22 * RATE)]) > -45  # the conversation


def test_a_missed_call_rings_and_stops():
    scenario = from_document({"call": [{"line": 1, "at": 0, "rings": 2, "answered": False}]})
    timeline = build_line(scenario, 1, MARKER_SOUNDS)
    assert changes(timeline, "off_hook") == []
    assert timeline.expected[0].outcome == "missed"
    assert timeline.expected[0].ended_at == 6.0


def test_the_uk_sends_caller_id_before_the_first_ring_after_a_reversal_and_alert():
    scenario = from_document(
        {"country": "GB", "call": [{"line": 1, "at": 1.0, "rings": 1, "talk": 5}]}
    )
    timeline = build_line(scenario, 1, MARKER_SOUNDS)
    assert changes(timeline, "reversal") == [1.0]
    first_ring = changes(timeline, "ring_on")[0]
    assert first_ring == pytest.approx(1.0 + 0.1 + 0.1 + 0.1 + 0.5 + 0.4)
    # The double ring: answered 0.4 s into its second burst.
    assert changes(timeline, "ring_on") == [pytest.approx(2.2), pytest.approx(2.8)]
    assert changes(timeline, "off_hook") == [pytest.approx(3.2)]
    assert PROFILES["GB"].caller_id.modulation == "fsk_v23"


def test_withheld_numbers_are_expected_without_a_number():
    scenario = from_document({"call": [{"line": 1, "at": 0, "private": "P", "name": "X"}]})
    expected = build_line(scenario, 1, MARKER_SOUNDS).expected[0]
    assert expected.number is None and expected.name is None


def test_an_outbound_call_dials_its_digits_after_dial_tone_then_hears_ringback():
    scenario = from_document(
        {
            "call": [
                {"line": 2, "at": 1.0, "direction": "out", "number": "10086", "rings": 1, "talk": 5}
            ]
        }
    )
    timeline = build_line(scenario, 2, MARKER_SOUNDS)
    assert changes(timeline, "off_hook") == [1.0]
    digits = [part for part in timeline.parts if part.length == int(0.07 * RATE)]
    assert len(digits) == 5
    assert digits[0].start == round((1.0 + 1.2) * RATE)
    expected = timeline.expected[0]
    assert (expected.direction, expected.number, expected.outcome) == ("out", "10086", "answered")
    audio = timeline.render(int(1.0 * RATE), int(1.1 * RATE)).astype(float)
    spectrum = np.abs(np.fft.rfft(audio))
    frequencies = np.fft.rfftfreq(audio.size, 1 / RATE)
    assert abs(frequencies[np.argmax(spectrum)] - 450) < 5  # China's dial tone


def test_keys_pressed_during_a_call_sound_after_the_answer_while_the_talk_pauses():
    scenario = from_document({"call": [
        {"line": 1, "at": 0, "rings": 1, "talk": 20, "keys": [{"after": 6, "keys": "*1"}]}
    ]})
    timeline = build_line(scenario, 1, MARKER_SOUNDS)
    answered = timeline.expected[0].answered_at
    keys = [part for part in timeline.parts if part.length == int(0.07 * RATE)]
    assert [part.start for part in keys] == [
        round((answered + 6) * RATE), round((answered + 6 + 0.07 + 0.25) * RATE)
    ]
    # Only the keys (and the line's noise) are heard around them: the talk pauses.
    around = timeline.render(round((answered + 5.7) * RATE), round(1.0 * RATE)).astype(float)
    keys_only = np.zeros_like(around)
    for part in keys:
        begin = part.start - round((answered + 5.7) * RATE)
        keys_only[begin : begin + part.length] = marker(941, 0.07)
    assert levels.rms_dbm0(around - keys_only) < -60


def test_a_busy_far_end_gives_busy_tone_and_no_answer():
    scenario = from_document(
        {"call": [{"line": 1, "at": 0, "direction": "out", "number": "10086", "busy": True}]}
    )
    expected = build_line(scenario, 1, MARKER_SOUNDS).expected[0]
    assert expected.outcome == "unanswered" and expected.answered_at is None


def test_rendering_in_frames_gives_the_same_line_as_rendering_at_once():
    timeline = build_line(load("short"), 1, MARKER_SOUNDS)
    whole = timeline.render(0, 20 * RATE)
    frames = np.concatenate([timeline.render(start, 160) for start in range(0, 20 * RATE, 160)])
    np.testing.assert_array_equal(whole, frames)
    odd = np.concatenate([timeline.render(start, 999) for start in range(0, 20 * RATE, 999)])
    np.testing.assert_array_equal(whole, odd[: whole.size])


def test_the_conversation_takes_turns_at_speech_levels():
    conversation = Conversation(120, seed=5)
    audio = conversation.render(0, 120 * RATE)
    assert np.array_equal(
        audio, np.concatenate([conversation.render(i, 800) for i in range(0, 120 * RATE, 800)])
    )
    pitches = sorted({round(s.pitch_hz / 50) for s in conversation.syllables})
    assert len(pitches) >= 2  # two voices
    talking = np.abs(audio) > 0
    assert 0.3 < talking.mean() < 0.9  # pauses between words and turns
    level = levels.rms_dbm0(audio[talking])
    assert -35 < level < -15


def test_the_demo_office_has_each_kind_of_survey_call_in_every_round():
    demo = load("demo-office")
    surveys = [call for call in demo.call if call.survey and not call.ivr_keys]
    assert demo.loop and len(surveys) >= 4
    assert any(call.survey_hangs_up for call in surveys)
    assert {call.keys_when for call in surveys if not call.survey_hangs_up} == {"during", "after"}
    # A round lasts well under an hour, so every hour of the loop has them all.
    assert max(call.at for call in demo.call) < 30 * 60


def test_the_demo_office_has_every_act_of_the_box_in_every_round_under_half_an_hour():
    from firmware.simulation.timeline import build_line  # noqa: PLC0415

    demo = load("demo-office")
    expected = [call for line in range(1, demo.lines + 1)
                for call in build_line(demo, line, MARKER_SOUNDS).expected]
    acts = {call.act for call in expected if call.act}
    assert acts == {"survey", "voicemail", "ivr", "firewall", "announcement"}
    assert {call.ivr_end for call in expected if call.act == "ivr"} == {
        "survey", "announcement", "voicemail", "ring_through"}
    assert {call.firewall for call in demo.call} == {"", "black", "red"}
    # A round (its calls, the callers' time with the box, the pause) is under half an hour:
    # every hour of the loop has each act at least twice.
    assert max(call.ended_at for call in expected) + 10 < 30 * 60
