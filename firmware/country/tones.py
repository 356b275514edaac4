"""Call-progress and fax tones: the country's tone plan for the detector, and the tones as sound.

``tone_plan(country)`` turns the profile's tones (dial, ringback, busy,
congestion) and the international ones (special information tone, fax CNG
and CED/ANSam) into the plain-number plan ``dsp_ext.tones`` detects;
``detector(country)`` is a detector with it. ``tone_generator`` plays any of
those tones through ``dsp_ext.tonegen`` (the simulator's and the tests'
source of them).

>>> from firmware.country.profiles import profile
>>> busy = tone_generator(profile("CN").tones["busy"], -20.0).generate(24000)
>>> [t.tone for t in detector("CN").detect(busy)]
['busy']
"""

from __future__ import annotations

import math

from dsp_ext.tonegen import ToneGenerator, ToneSegment
from dsp_ext.tones import ToneDetector, TonePattern, TonePlan
from firmware.country.profiles import (
    FAX_ANSWER_TONE,
    FAX_CALLING_TONE,
    SPECIAL_INFORMATION_TONE,
    Tone,
    ToneSequence,
    profile,
)

# The names the detector reports, as `linerec dsp tones` prints them.
TONE_NAMES = ("dial", "ringback", "busy", "congestion", "sit", "fax_cng", "fax_ced")
PROFILE_TONES = ("dial", "ringback", "busy", "congestion")
# A continuous tone is confirmed after this long, and at least this much
# longer than any burst of a cadenced tone with its frequencies (China's dial
# tone and ringback are both 450 Hz).
CONTINUOUS_MIN_S = 1.0
CONTINUOUS_MARGIN_S = 0.05
MIN_LEVEL_DBM0 = -45.0  # each tone of a pair; a pair at -40 dBm0 has -43 dBm0 per tone


def _pattern(name: str, tone: Tone | ToneSequence, continuous_min_s: float) -> TonePattern:
    if isinstance(tone, ToneSequence):
        return TonePattern.sequence(
            name,
            tone.steps(),
            tolerance=tone.cadence_tolerance,
            frequency_tolerance_hz=tone.frequency_tolerance_hz,
        )
    return TonePattern.cadence(
        name,
        tone.frequencies_hz,
        tone.cadence_s,
        tolerance=tone.cadence_tolerance,
        frequency_tolerance_hz=tone.frequency_tolerance_hz,
        continuous_min_s=continuous_min_s,
    )


def tone_plan(country: str) -> TonePlan:
    """The detector's plan for ``country``: its call-progress tones, SIT and fax."""
    tones: dict[str, Tone | ToneSequence] = dict(profile(country).tones)
    tones["sit"] = SPECIAL_INFORMATION_TONE
    tones["fax_cng"] = FAX_CALLING_TONE
    tones["fax_ced"] = FAX_ANSWER_TONE
    cadenced = [
        _pattern(name, tone, CONTINUOUS_MIN_S)
        for name, tone in tones.items()
        if not (isinstance(tone, Tone) and not tone.cadence_s)
    ]
    patterns = []
    for name in TONE_NAMES:
        tone = tones[name]
        if isinstance(tone, Tone) and not tone.cadence_s:
            # Outlast every burst of the same frequencies in a cadence.
            longest = max(
                (
                    step.max_s or 0.0
                    for pattern in cadenced
                    for step in pattern.steps
                    if set(step.frequencies_hz) == set(tone.frequencies_hz)
                ),
                default=0.0,
            )
            patterns.append(
                _pattern(name, tone, max(CONTINUOUS_MIN_S, longest + CONTINUOUS_MARGIN_S))
            )
        else:
            patterns.append(next(p for p in cadenced if p.name == name))
    return TonePlan(tuple(patterns), min_level_dbm0=MIN_LEVEL_DBM0)


def detector(country: str) -> ToneDetector:
    """A tone detector for one line of ``country``."""
    return ToneDetector(tone_plan(country))


def tone_generator(
    tone: Tone | ToneSequence, level_dbm0: float, *, repeat: bool = True
) -> ToneGenerator:
    """``tone`` as sound, its frequencies together at ``level_dbm0`` (their
    summed power), by its cadence, with ANSam's reversals and modulation."""
    segments = []
    for frequencies, seconds in tone.steps():
        each = level_dbm0 - 10.0 * math.log10(max(len(frequencies), 1))
        segments.append(ToneSegment(seconds, tuple(frequencies), (each,) * len(frequencies)))
    if isinstance(tone, ToneSequence):
        return ToneGenerator(segments, repeat=repeat)
    return ToneGenerator(
        segments,
        repeat=repeat,
        phase_reversal_ms=tone.phase_reversal_s * 1000.0,
        am_hz=tone.am_hz,
        am_depth=tone.am_depth,
    )
