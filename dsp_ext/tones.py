"""Call-progress and fax tone detector, configured by a tone plan of plain numbers.

A plan is a list of patterns; a pattern is a cadence of steps, each a set of
frequencies sounding together (or silence) with the shortest and longest
duration accepted. ``TonePattern.cadence`` builds one from nominal figures
and a tolerance. The country tone plans themselves are the firmware's data
(``firmware.country.tones`` builds them from the profiles).

>>> import numpy as np
>>> from dsp_ext.tonegen import tone
>>> busy = TonePattern.cadence("busy", (450.0,), (0.35, 0.35))
>>> detector = ToneDetector(TonePlan((busy,)))
>>> audio = tone((450.0,), 3.5, cadence_s=(0.35, 0.35), level_dbm0=-20.0)
>>> [(t.tone, round(t.start_s, 2), round(t.end_s, 2)) for t in detector.detect(audio)]
[('busy', 0.0, 3.15)]

Positions are sample indices from the detector's creation (or last
``reset``); ``end`` is one past the last sample of the tone's last burst.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from dsp_ext._binding import check, ffi, input_array, lib, pointer
from dsp_ext._on_off import end_seconds, follow, start_seconds
from dsp_ext.errors import DspInputError

__all__ = [
    "ToneDetector",
    "ToneEvent",
    "TonePattern",
    "TonePlan",
    "ToneStep",
]

MAX_FREQUENCIES = lib.LR_TONE_MAX_FREQUENCIES
MAX_PATTERNS = lib.LR_TONE_MAX_PATTERNS
MAX_STEPS = lib.LR_TONE_MAX_STEPS
# Edges are placed to within a hop (5 ms) or so; a cadence step measured at
# exactly its tolerance must still pass, so this much more is allowed.
MEASUREMENT_SLACK_S = 0.02
# Call-progress tones are made digitally to within a hertz or two; 7 Hz is
# 1.5 % of 450 Hz and leaves 440 Hz and 480 Hz (US ringback) in bins of their own.
DEFAULT_FREQUENCY_TOLERANCE_HZ = 7.0
_CHUNK = 8192


@dataclass(frozen=True)
class ToneStep:
    """One step of a cadence: ``frequencies_hz`` together (``()``: silence) for
    ``min_s`` to ``max_s`` seconds (``max_s`` None: no limit)."""

    frequencies_hz: tuple[float, ...]
    min_s: float
    max_s: float | None = None


@dataclass(frozen=True)
class TonePattern:
    """A tone to detect: its cadence steps, whether they repeat, and how many
    steps in a row confirm it (the first a tone step, the last may be in
    progress once it has lasted its ``min_s``)."""

    name: str
    steps: tuple[ToneStep, ...]
    repeats: bool = True
    confirm_steps: int = 1
    frequency_tolerance_hz: float = DEFAULT_FREQUENCY_TOLERANCE_HZ

    @classmethod
    def cadence(
        cls,
        name: str,
        frequencies_hz: Sequence[float],
        cadence_s: Sequence[float] = (),
        *,
        tolerance: float = 0.10,
        frequency_tolerance_hz: float | None = None,
        continuous_min_s: float = 1.0,
        confirm_steps: int | None = None,
    ) -> TonePattern:
        """A tone of ``frequencies_hz`` switched on and off by ``cadence_s``
        (on, off, on, off ... seconds, repeating; empty: continuous).

        Each step accepts its nominal time +- ``tolerance`` (a fraction) +-
        MEASUREMENT_SLACK_S. A continuous tone is confirmed after
        ``continuous_min_s``; a cadence after one whole cycle and the next
        burst (one burst and a pause are too easily matched by chance: a
        held note of music at 1108 Hz passes for fax CNG). The
        frequency tolerance defaults to DEFAULT_FREQUENCY_TOLERANCE_HZ.
        """
        tones = tuple(float(f) for f in frequencies_hz)
        if frequency_tolerance_hz is None:
            frequency_tolerance_hz = DEFAULT_FREQUENCY_TOLERANCE_HZ
        if not cadence_s:
            step = ToneStep(tones, float(continuous_min_s), None)
            return cls(name, (step,), True, 1, frequency_tolerance_hz)
        if len(cadence_s) % 2:
            raise DspInputError(
                f"TonePattern.cadence: {name}: the cadence alternates on and off times, "
                f"so it needs an even count, got {tuple(cadence_s)}"
            )
        steps = tuple(
            _toleranced(tones if index % 2 == 0 else (), seconds, tolerance)
            for index, seconds in enumerate(cadence_s)
        )
        if confirm_steps is None:
            confirm_steps = len(steps) + 1
        return cls(name, steps, True, confirm_steps, frequency_tolerance_hz)

    @classmethod
    def sequence(
        cls,
        name: str,
        steps: Sequence[tuple[Sequence[float], float]],
        *,
        tolerance: float = 0.10,
        frequency_tolerance_hz: float | None = None,
        repeats: bool = True,
        confirm_steps: int | None = None,
    ) -> TonePattern:
        """Steps of (frequencies, nominal seconds) in order, ``()`` for silence,
        each accepted at +- ``tolerance``; confirmed by default once every
        tone step has been heard (the special information tone: three
        tones one after the other)."""
        built = tuple(
            _toleranced(tuple(float(f) for f in tones), seconds, tolerance)
            for tones, seconds in steps
        )
        if confirm_steps is None:
            last_tone = max((i for i, step in enumerate(built) if step.frequencies_hz), default=0)
            confirm_steps = last_tone + 1
        if frequency_tolerance_hz is None:
            frequency_tolerance_hz = DEFAULT_FREQUENCY_TOLERANCE_HZ
        return cls(name, built, repeats, confirm_steps, frequency_tolerance_hz)


def _toleranced(tones: tuple[float, ...], seconds: float, tolerance: float) -> ToneStep:
    if not (isinstance(seconds, int | float) and math.isfinite(seconds) and seconds > 0):
        raise DspInputError(f"a cadence step must be a positive number of seconds, got {seconds!r}")
    if not 0.0 <= tolerance < 1.0:
        raise DspInputError(f"a cadence tolerance must be a fraction in 0..1, got {tolerance!r}")
    low = max(0.0, seconds * (1.0 - tolerance) - MEASUREMENT_SLACK_S)
    return ToneStep(tones, low, seconds * (1.0 + tolerance) + MEASUREMENT_SLACK_S)


@dataclass(frozen=True)
class TonePlan:
    """The patterns one detector listens for, and its level and purity tests.

    A window holds a step's tones when each is at least ``min_level_dbm0``,
    they are within ``max_twist_db`` of each other, and together they carry
    ``min_purity`` of the window's energy.
    """

    patterns: tuple[TonePattern, ...]
    min_level_dbm0: float = -42.0
    max_twist_db: float = 10.0
    min_purity: float = 0.7

    def frequencies(self) -> list[tuple[float, float]]:
        """The (frequency, tolerance) pairs the plan listens to, in first-use order."""
        found: list[tuple[float, float]] = []
        for pattern in self.patterns:
            for step in pattern.steps:
                for hz in step.frequencies_hz:
                    key = (float(hz), float(pattern.frequency_tolerance_hz))
                    if key not in found:
                        found.append(key)
        return found

    def names(self) -> list[str]:
        return [pattern.name for pattern in self.patterns]


class ToneEvent(NamedTuple):
    """One tone: its pattern's name and its first and one-past-last sample."""

    tone: str
    start: int
    end: int | None  # None while it is still sounding

    start_s = property(start_seconds)
    end_s = property(end_seconds)


def _number(value: object, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise DspInputError(
            f"ToneDetector: {name} must be a number in {low}..{high}, got {value!r}"
        )
    return float(value)


def _c_plan(plan: TonePlan):
    """The plan as an lr_tone_plan, every figure checked with a message that names it."""
    if not isinstance(plan, TonePlan):
        raise DspInputError(f"ToneDetector: plan must be a TonePlan, got {type(plan).__name__}")
    if not 1 <= len(plan.patterns) <= MAX_PATTERNS:
        raise DspInputError(
            f"ToneDetector: a plan has 1 to {MAX_PATTERNS} patterns, got {len(plan.patterns)}"
        )
    for pattern in plan.patterns:
        where = f"pattern {pattern.name!r}"
        if not 1 <= len(pattern.steps) <= MAX_STEPS:
            raise DspInputError(
                f"ToneDetector: {where} has {len(pattern.steps)} steps; 1 to {MAX_STEPS} fit"
            )
        if not any(step.frequencies_hz for step in pattern.steps):
            raise DspInputError(f"ToneDetector: {where} has no step with a tone")
        confirm = pattern.confirm_steps
        limit = 16 if pattern.repeats else len(pattern.steps)
        if isinstance(confirm, bool) or not isinstance(confirm, int) or not 1 <= confirm <= limit:
            raise DspInputError(
                f"ToneDetector: {where}: confirm_steps must be an int in 1..{limit}, "
                f"got {confirm!r}"
            )
    frequencies = plan.frequencies()
    if not 1 <= len(frequencies) <= MAX_FREQUENCIES:
        raise DspInputError(
            f"ToneDetector: a plan uses 1 to {MAX_FREQUENCIES} (frequency, tolerance) pairs, "
            f"got {len(frequencies)}: {frequencies}"
        )
    c_plan = ffi.new("lr_tone_plan *")
    lib.lr_tone_plan_defaults(c_plan)
    c_plan.min_level_dbm0 = _number(plan.min_level_dbm0, "min_level_dbm0", -60.0, 0.0)
    c_plan.max_twist_db = _number(plan.max_twist_db, "max_twist_db", 0.0, 20.0)
    c_plan.min_purity = _number(plan.min_purity, "min_purity", 0.3, 0.99)
    c_plan.n_frequencies = len(frequencies)
    for index, (hz, tolerance) in enumerate(frequencies):
        c_plan.frequencies_hz[index] = _number(hz, "a frequency (Hz)", 100.0, 3900.0)
        c_plan.tolerances_hz[index] = _number(tolerance, "frequency_tolerance_hz", 5.0, 60.0)
    c_plan.n_patterns = len(plan.patterns)
    for index, pattern in enumerate(plan.patterns):
        where = f"pattern {pattern.name!r}"
        target = c_plan.patterns[index]
        target.code = index
        target.n_steps = len(pattern.steps)
        target.repeats = 1 if pattern.repeats else 0
        target.confirm_steps = pattern.confirm_steps
        for number, step in enumerate(pattern.steps):
            mask = 0
            for hz in step.frequencies_hz:
                key = (float(hz), float(pattern.frequency_tolerance_hz))
                mask |= 1 << frequencies.index(key)
            low = _number(step.min_s, f"{where} step {number} min_s", 0.0, 600.0)
            high = (
                0.0
                if step.max_s is None
                else _number(step.max_s, f"{where} step {number} max_s", low, 600.0)
            )
            if step.max_s is not None and high * 1000.0 < 0.5:
                raise DspInputError(f"ToneDetector: {where} step {number}: max_s is zero")
            target.steps[number].frequencies = mask
            target.steps[number].min_ms = low * 1000.0
            target.steps[number].max_ms = high * 1000.0
    return c_plan


class ToneDetector:
    """The tone detector for one line: feed it blocks, collect the tones.

    ``feed`` returns the tones that ended within the samples given, in order;
    ``sounding`` is the tone being heard now (confirmed, not yet ended);
    ``finish`` ends the input and returns a tone still sounding.
    """

    def __init__(self, plan: TonePlan) -> None:
        self.plan = plan
        c_plan = _c_plan(plan)
        self._names = plan.names()
        self._frequencies = [hz for hz, _ in plan.frequencies()]
        # uint64 cells keep the state aligned for its 64-bit counters.
        self._memory = ffi.new("uint64_t[]", (lib.lr_tone_rx_state_size() + 7) // 8)
        self._state = ffi.cast("lr_tone_rx *", self._memory)
        status = lib.lr_tone_rx_init(self._state, c_plan)
        if status == lib.LR_ERR_ARG:
            raise DspInputError(f"ToneDetector: plan refused by the detector: {plan}")
        check(status, "lr_tone_rx_init")
        self._capacity = lib.lr_tone_rx_max_events(_CHUNK)
        self._events = ffi.new("lr_tone_event[]", self._capacity)
        self._count = ffi.new("size_t *")
        self.sounding: ToneEvent | None = None
        self.samples_seen = 0

    def _tone(self, event, end: int | None) -> ToneEvent:
        return ToneEvent(self._names[event.code], int(event.start), end)

    def _collect(self, count: int) -> list[ToneEvent]:
        ended, self.sounding = follow(
            self._events[0:count], lib.LR_TONE_ON, self._tone, self.sounding
        )
        return ended

    def feed(self, samples: np.ndarray) -> list[ToneEvent]:
        """Process a block of int16 samples (any length, 1-D, contiguous)."""
        block = input_array(samples, np.int16, "samples", "ToneDetector.feed")
        data = pointer(block, "int16_t")
        tones: list[ToneEvent] = []
        for start in range(0, block.size, _CHUNK):
            count = min(_CHUNK, block.size - start)
            check(
                lib.lr_tone_rx_process(
                    self._state, data + start, count, self._events, self._capacity, self._count
                ),
                "lr_tone_rx_process",
            )
            tones.extend(self._collect(self._count[0]))
        self.samples_seen += block.size
        return tones

    def finish(self) -> list[ToneEvent]:
        """End of input: the tone still sounding, if any, ended where it was last heard."""
        check(
            lib.lr_tone_rx_finish(self._state, self._events, self._capacity, self._count),
            "lr_tone_rx_finish",
        )
        return self._collect(self._count[0])

    def reset(self) -> None:
        """Forget everything heard; positions count from 0 again."""
        check(lib.lr_tone_rx_reset(self._state), "lr_tone_rx_reset")
        self.sounding = None
        self.samples_seen = 0

    def detect(self, samples: np.ndarray) -> list[ToneEvent]:
        """Every tone in a whole recording (feed, then finish)."""
        return self.feed(samples) + self.finish()

    @property
    def heard(self) -> tuple[float, ...]:
        """The plan frequencies heard in the newest window (empty: none of them)."""
        mask = int(lib.lr_tone_rx_heard(self._state))
        if not mask:
            return ()
        return tuple(hz for i, hz in enumerate(self._frequencies) if mask >> i & 1)
