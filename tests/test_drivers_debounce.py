"""The pure debouncers of the line interface's inputs, on made-up timestamps."""

from __future__ import annotations

import pytest

from drivers.debounce import LevelDebouncer, LoopDetector, PolarityDetector, RingDetector
from drivers.signals import (
    DialPulse,
    LoopStarted,
    LoopStopped,
    PolarityReversed,
    RingStarted,
    RingStopped,
)


def ring_burst(detector: RingDetector, start: float, seconds: float, hertz: float) -> list:
    """Feed one pulse per ringing cycle for ``seconds``; return the events."""
    events = []
    count = round(seconds * hertz)
    for n in range(count):
        events += detector.pulse(start + n / hertz)
    return events


@pytest.mark.parametrize("hertz", [16, 20, 25, 50, 60])
def test_one_ring_burst_per_cadence_burst_at_every_ringing_frequency(hertz):
    detector = RingDetector(gap=0.15)
    events = ring_burst(detector, 10.0, 1.0, hertz)
    last_pulse = 10.0 + (round(hertz) - 1) / hertz
    assert events == [RingStarted(10.0)]
    assert detector.deadline() == pytest.approx(last_pulse + 0.15)
    assert detector.due(last_pulse + 0.149) == []
    assert detector.due(last_pulse + 0.15) == [RingStopped(last_pulse)]
    assert detector.deadline() is None and not detector.ringing
    # China's cadence: 1 s on, 4 s off; the next burst is a new ring.
    assert ring_burst(detector, 15.0, 1.0, hertz) == [RingStarted(15.0)]


def test_a_late_pulse_after_the_gap_closes_the_old_burst_first():
    detector = RingDetector(gap=0.15)
    detector.pulse(1.0)
    assert detector.pulse(1.5) == [RingStopped(1.0), RingStarted(1.5)]


def test_min_pulses_ignores_a_lone_glitch():
    detector = RingDetector(gap=0.15, min_pulses=3)
    assert detector.pulse(1.0) == []
    assert detector.due(1.2) == []  # a lone pulse, forgotten
    events = []
    for n in range(5):
        events += detector.pulse(2.0 + n * 0.04)
    assert events == [RingStarted(2.0)]


def test_ring_detector_rejects_nonsense_settings():
    with pytest.raises(ValueError, match="gap"):
        RingDetector(gap=0)


def test_level_debouncer_accepts_a_level_that_held():
    level = LevelDebouncer(hold=0.04)
    assert level.sample(True, 1.0) is None
    assert level.deadline() == pytest.approx(1.04)
    assert level.due(1.039) is None
    assert level.due(1.04) == 1.0
    assert level.level is True and level.deadline() is None


def test_loop_goes_off_hook_after_the_hold_stamped_at_the_edge():
    loop = LoopDetector(hold=0.04)
    assert loop.sample(True, 5.0) == []
    assert loop.due(5.03) == []
    assert loop.due(5.04) == [LoopStarted(5.0)]
    assert loop.off_hook


def test_contact_bounce_counts_from_the_last_bounce():
    loop = LoopDetector(hold=0.04)
    events = []
    for n, level in enumerate([True, False, True, False, True]):  # 2 ms apart
        events += loop.sample(level, 5.0 + n * 0.002)
    events += loop.due(5.1)
    assert events == [LoopStarted(5.008)]


def test_glitches_shorter_than_the_hold_are_ignored_in_both_states(rng):
    for off_hook in (False, True):
        loop = LoopDetector(hold=0.04, off_hook=off_hook)
        now, events = 0.0, []
        for _ in range(200):
            width = float(rng.uniform(0.0005, 0.039))
            events += loop.sample(not off_hook, now)
            events += loop.sample(off_hook, now + width)
            now += width + float(rng.uniform(0.001, 0.5))
            events += loop.due(now)
        assert events == []
        assert loop.off_hook == off_hook


def test_rotary_dial_pulses_are_pulses_not_hang_ups():
    loop = LoopDetector(hold=0.04, pulse_max=0.1, off_hook=True)
    events = []
    start = 2.0
    for n in range(7):  # the digit 7 at 10 pulses/s: 60 ms break, 40 ms make
        events += loop.sample(False, start + n * 0.1)
        events += loop.due(start + n * 0.1 + 0.05)  # the worker wakes up mid-break
        events += loop.sample(True, start + n * 0.1 + 0.06)
    events += loop.due(start + 2.0)
    assert events == [DialPulse(start + n * 0.1) for n in range(7)]
    assert loop.off_hook


def test_hang_up_is_a_break_longer_than_a_dial_pulse():
    loop = LoopDetector(hold=0.04, pulse_max=0.1, off_hook=True)
    assert loop.sample(False, 9.0) == []
    assert loop.deadline() == pytest.approx(9.1)
    assert loop.due(9.06) == []
    assert loop.due(9.1) == [LoopStopped(9.0)]
    assert not loop.off_hook


def test_loop_detector_rejects_pulse_max_below_hold():
    with pytest.raises(ValueError, match="pulse_max"):
        LoopDetector(hold=0.05, pulse_max=0.01)


def test_polarity_reversals_after_the_hold():
    polarity = PolarityDetector(hold=0.04)
    assert polarity.sample(True, 1.0) == []
    assert polarity.sample(False, 1.01) == []  # a glitch
    assert polarity.due(1.2) == []
    assert polarity.sample(True, 2.0) == []
    assert polarity.sample(False, 3.0) == [PolarityReversed(2.0)]  # accepted before the next
    assert polarity.due(3.04) == [PolarityReversed(3.0)]
