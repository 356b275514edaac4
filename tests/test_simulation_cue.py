"""Cued calls: the office holds a call's line until it is cued, the other lines play on."""

from __future__ import annotations

import time

import pytest

from audio_format import FRAME_SECONDS
from firmware.simulation.office import Office
from firmware.simulation.scenario import ScenarioError, from_document
from firmware.simulation.sounds import box_sounds

CALLS = [
    {"line": 1, "at": 1.0, "rings": 2, "talk": 2.0, "cue": True},
    {"line": 1, "at": 30.0, "rings": 2, "talk": 2.0},  # after the cued one, in its line's time
    {"line": 2, "at": 1.0, "rings": 2, "talk": 2.0},
]


def played(monkeypatch, prefix: str, cue_before: bool) -> tuple[Office, list, int | None]:
    """The office on CALLS as fast as it goes; cued once it held 5 s (or before it starts).
    Returns it, each line's ring onsets as (line name, frame), and the frame it was cued in."""
    office = Office(from_document({"lines": 2, "call": CALLS}), box_sounds(), speed=0,
                    prefix=prefix, like_a_sound_card=True)
    rings = []
    apply = Office._apply

    def noted(line, kind):
        if kind == "ring_on":
            rings.append((line.name, office.frames_played))
        apply(line, kind)

    monkeypatch.setattr(Office, "_apply", staticmethod(noted))
    cued_in = None
    if cue_before:
        office.cue()
    office.start()
    if not cue_before:
        deadline = time.monotonic() + 60
        while office.frames_played < 6.0 / FRAME_SECONDS and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not [frame for name, frame in rings if name == f"{prefix}1"]  # still held
        cued_in = office.frames_played
        office.cue()
    office.join(120)
    assert not office._thread.is_alive()
    return office, rings, cued_in


def test_a_cued_call_comes_once_cued_and_its_line_s_later_calls_after_it(monkeypatch):
    office, rings, cued_in = played(monkeypatch, "cue-", cue_before=False)
    line_1 = [frame for name, frame in rings if name == "cue-1"]
    line_2 = [frame for name, frame in rings if name == "cue-2"]
    # Line 2 rang at its time; line 1 held (5 s and more) and rang within a frame of the cue.
    assert line_2[0] == pytest.approx(1.0 / FRAME_SECONDS, abs=1)
    assert cued_in <= line_1[0] <= cued_in + 2
    held = line_1[0] * FRAME_SECONDS - 1.0
    assert held >= 5.0
    # The later call on line 1 keeps its place in the line's own time: 29 s after the first.
    second = next(frame for frame in line_1 if frame > line_1[0] + 5 / FRAME_SECONDS)
    assert (second - line_1[0]) * FRAME_SECONDS == pytest.approx(29.0, abs=2 * FRAME_SECONDS)
    # What the office expects of line 1's calls moved by the hold; line 2's did not.
    by_line = {line: sorted(call.started_at for call in office.expected if call.line == line)
               for line in (1, 2)}
    assert by_line[1] == pytest.approx([1.0 + held, 30.0 + held], abs=2 * FRAME_SECONDS)
    assert by_line[2] == pytest.approx([1.0], abs=2 * FRAME_SECONDS)


def test_a_cue_given_before_the_office_gets_there_is_kept_for_the_call(monkeypatch):
    _, rings, _ = played(monkeypatch, "cue-early-", cue_before=True)
    first = next(frame for name, frame in rings if name == "cue-early-1")
    assert first == pytest.approx(1.0 / FRAME_SECONDS, abs=1)


def test_a_cued_call_may_not_start_while_its_line_is_busy():
    with pytest.raises(ScenarioError, match=r"call\[1\]\.at"):
        from_document({"lines": 1, "call": [
            {"line": 1, "at": 1.0, "talk": 20.0},
            {"line": 1, "at": 10.0, "cue": True}]})
