"""Tone generator: one to four tones at levels in dBm0, switched by a cadence.

>>> busy = tone((480.0, 620.0), 2.0, cadence_s=(0.5, 0.5), level_dbm0=-24.0)
>>> busy.size
16000

``ToneGenerator`` keeps a position, so a tone can be generated in pieces or
any stretch of it rendered on its own (``render``): the samples depend only
on the position. Segments may each have their own frequencies (the special
information tone); phase reversals and amplitude modulation make ANSam.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from audio_format import SAMPLE_RATE
from dsp_ext._binding import check, ffi, lib, pointer
from dsp_ext.errors import DspInputError

__all__ = ["ToneGenerator", "ToneSegment", "cadence_segments", "tone"]

MAX_SEGMENTS = lib.LR_TONEGEN_MAX_SEGMENTS
MAX_TONES = lib.LR_TONEGEN_MAX_TONES


@dataclass(frozen=True)
class ToneSegment:
    """``seconds`` of ``frequencies_hz`` together, each at its level in
    ``levels_dbm0``; no frequencies is silence."""

    seconds: float
    frequencies_hz: tuple[float, ...] = ()
    levels_dbm0: tuple[float, ...] = ()


def cadence_segments(
    frequencies_hz: Sequence[float], level_dbm0: float, cadence_s: Sequence[float] = ()
) -> tuple[ToneSegment, ...]:
    """The segments of a tone switched on and off by ``cadence_s`` (on, off,
    ... seconds; empty: continuous, as one second that repeats), each
    frequency at ``level_dbm0``."""
    tones = tuple(float(f) for f in frequencies_hz)
    levels = (float(level_dbm0),) * len(tones)
    if not cadence_s:
        return (ToneSegment(1.0, tones, levels),)
    if len(cadence_s) % 2:
        raise DspInputError(
            f"cadence_segments: a cadence alternates on and off, so it needs an even count, "
            f"got {tuple(cadence_s)}"
        )
    return tuple(
        ToneSegment(float(seconds), tones if i % 2 == 0 else (), levels if i % 2 == 0 else ())
        for i, seconds in enumerate(cadence_s)
    )


def _number(value: object, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise DspInputError(
            f"ToneGenerator: {name} must be a number in {low}..{high}, got {value!r}"
        )
    return float(value)


class ToneGenerator:
    """A tone by segments, repeating (or once, then silence)."""

    def __init__(
        self,
        segments: Sequence[ToneSegment],
        *,
        repeat: bool = True,
        ramp_ms: float = 0.0,
        phase_reversal_ms: float = 0.0,
        am_hz: float = 0.0,
        am_depth: float = 0.0,
    ) -> None:
        segments = tuple(segments)
        if not 1 <= len(segments) <= MAX_SEGMENTS:
            raise DspInputError(f"ToneGenerator: 1 to {MAX_SEGMENTS} segments, got {len(segments)}")
        spec = ffi.new("lr_tonegen_spec *")
        lib.lr_tonegen_spec_defaults(spec)
        spec.n_segments = len(segments)
        spec.repeat = 1 if repeat else 0
        spec.ramp_ms = _number(ramp_ms, "ramp_ms", 0.0, 50.0)
        spec.reversal_ms = _number(phase_reversal_ms, "phase_reversal_ms", 0.0, 10000.0)
        if 0.0 < phase_reversal_ms < 10.0:
            raise DspInputError(
                f"ToneGenerator: phase_reversal_ms is 0 or 10..10000, got {phase_reversal_ms}"
            )
        spec.am_hz = _number(am_hz, "am_hz", 0.0, 100.0)
        if 0.0 < am_hz < 0.1:
            raise DspInputError(f"ToneGenerator: am_hz is 0 or 0.1..100, got {am_hz}")
        spec.am_depth = _number(am_depth, "am_depth", 0.0, 1.0)
        for index, segment in enumerate(segments):
            where = f"segment {index}"
            if not isinstance(segment, ToneSegment):
                raise DspInputError(
                    f"ToneGenerator: {where} must be a ToneSegment, got {segment!r}"
                )
            tones, levels = tuple(segment.frequencies_hz), tuple(segment.levels_dbm0)
            if len(tones) > MAX_TONES or len(levels) != len(tones):
                raise DspInputError(
                    f"ToneGenerator: {where}: up to {MAX_TONES} frequencies, one level each; "
                    f"got {tones} and {levels}"
                )
            seconds = _number(segment.seconds, f"{where} seconds", 0.000125, 3600.0)
            if tones and 2 * ramp_ms > seconds * 1000.0:
                raise DspInputError(
                    f"ToneGenerator: ramp_ms {ramp_ms} is more than half of {where} ({seconds} s)"
                )
            target = spec.segments[index]
            target.duration_ms = seconds * 1000.0
            target.n_tones = len(tones)
            for k, (hz, level) in enumerate(zip(tones, levels, strict=True)):
                target.frequencies_hz[k] = _number(hz, f"{where} frequency (Hz)", 1.0, 3999.0)
                target.levels_dbm0[k] = _number(level, f"{where} level (dBm0)", -80.0, 3.14)
        self.segments = segments
        self._memory = ffi.new("uint64_t[]", (lib.lr_tonegen_state_size() + 7) // 8)
        self._state = ffi.cast("lr_tonegen *", self._memory)
        check(lib.lr_tonegen_init(self._state, spec), "lr_tonegen_init")

    @property
    def position(self) -> int:
        return int(lib.lr_tonegen_position(self._state))

    @property
    def cycle_samples(self) -> int:
        """Samples in one pass through the segments."""
        return int(lib.lr_tonegen_cycle_length(self._state))

    def seek(self, position: int) -> None:
        if isinstance(position, bool) or not isinstance(position, int | np.integer) or position < 0:
            raise DspInputError(
                f"ToneGenerator.seek: position must be an int >= 0, got {position!r}"
            )
        check(lib.lr_tonegen_seek(self._state, int(position)), "lr_tonegen_seek")

    def generate(self, count: int) -> np.ndarray:
        """The next ``count`` samples as int16."""
        if isinstance(count, bool) or not isinstance(count, int | np.integer) or count < 0:
            raise DspInputError(f"ToneGenerator.generate: count must be an int >= 0, got {count!r}")
        out = np.zeros(max(int(count), 1), dtype=np.int16)
        check(
            lib.lr_tonegen_generate(self._state, pointer(out, "int16_t"), int(count)),
            "lr_tonegen_generate",
        )
        return out[: int(count)]

    def render(self, start: int, count: int) -> np.ndarray:
        """Samples ``start`` to ``start + count`` of the tone."""
        self.seek(start)
        return self.generate(count)


def tone(
    frequencies_hz: Sequence[float],
    seconds: float,
    *,
    level_dbm0: float = -13.0,
    cadence_s: Sequence[float] = (),
    ramp_ms: float = 0.0,
) -> np.ndarray:
    """``seconds`` of a single or dual tone (each frequency at ``level_dbm0``),
    continuous or by ``cadence_s``, as int16 at 8 kHz."""
    generator = ToneGenerator(
        cadence_segments(frequencies_hz, level_dbm0, cadence_s), ramp_ms=ramp_ms
    )
    return generator.generate(round(_number(seconds, "seconds", 0.0, 86400.0) * SAMPLE_RATE))


def level_per_tone(total_dbm0: float, tones: int) -> float:
    """The level of each of ``tones`` equal tones that add up to ``total_dbm0``."""
    return total_dbm0 - 10.0 * math.log10(max(tones, 1))
