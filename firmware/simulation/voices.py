"""Speech-like audio for the simulated calls: two people taking turns to talk.

Each syllable is a voiced buzz (the speaker's pitch, with harmonics) shaped
by two vowel formants and a smooth envelope; syllables make words, words
make turns, and the two sides of a call take turns with pauses between. It
is not speech, but it has speech's spectrum, rhythm and level changes, which
is what the detectors and the recorder need to meet. Rendering is
deterministic from the seed and can start anywhere, so a four-hour call
costs nothing until it is played.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from audio_format import SAMPLE_RATE
from dsp_ext import levels

# (F1, F2) of a few vowels, Hz.
VOWELS = ((730, 1090), (270, 2290), (300, 870), (530, 1840), (640, 1190), (490, 1350))


@dataclass(frozen=True)
class Syllable:
    start: int  # sample
    length: int
    pitch_hz: float
    formants: tuple[int, int]
    amplitude: float  # peak, 16-bit linear


class Conversation:
    """Both sides of a call: ``render(start, count)`` gives any stretch of it."""

    def __init__(
        self,
        seconds: float,
        seed: int,
        near_level_dbm0: float = -18.0,
        far_level_dbm0: float = -26.0,
    ) -> None:
        rng = np.random.default_rng(seed)
        self.length = int(seconds * SAMPLE_RATE)
        speakers = (
            (rng.uniform(95, 140), levels.sine_amplitude(near_level_dbm0)),  # near: lower voice
            (rng.uniform(180, 250), levels.sine_amplitude(far_level_dbm0)),
        )
        syllables = []
        position = int(rng.uniform(0.2, 0.6) * SAMPLE_RATE)
        turn = int(rng.integers(0, 2))
        while position < self.length:
            pitch, amplitude = speakers[turn]
            turn_end = position + int(rng.uniform(1.5, 6.0) * SAMPLE_RATE)
            while position < min(turn_end, self.length):
                for _ in range(int(rng.integers(1, 4))):  # a word
                    length = int(rng.uniform(0.12, 0.3) * SAMPLE_RATE)
                    syllables.append(
                        Syllable(
                            position,
                            length,
                            pitch * rng.uniform(0.9, 1.1),
                            VOWELS[int(rng.integers(0, len(VOWELS)))],
                            amplitude * rng.uniform(0.6, 1.2),
                        )
                    )
                    position += length
                position += int(rng.uniform(0.08, 0.35) * SAMPLE_RATE)  # between words
            position += int(rng.uniform(0.3, 1.2) * SAMPLE_RATE)  # between turns
            turn = 1 - turn
        self.syllables = [s for s in syllables if s.start + s.length <= self.length]
        self._starts = np.array([s.start for s in self.syllables], dtype=np.int64)

    def render(self, start: int, count: int) -> np.ndarray:
        """Samples ``start`` to ``start + count`` as float (mixed by the caller)."""
        out = np.zeros(count)
        if not self.syllables:
            return out
        first = max(0, int(np.searchsorted(self._starts, start - SAMPLE_RATE, side="left")))
        for syllable in self.syllables[first:]:
            if syllable.start >= start + count:
                break
            begin = max(start, syllable.start)
            end = min(start + count, syllable.start + syllable.length)
            if begin >= end:
                continue
            out[begin - start : end - start] += _syllable_samples(syllable, begin, end)
        return out


def _syllable_samples(syllable: Syllable, begin: int, end: int) -> np.ndarray:
    """The part of one syllable between absolute samples ``begin`` and ``end``."""
    n = np.arange(begin, end) - syllable.start
    t = n / SAMPLE_RATE
    envelope = np.sin(np.pi * n / syllable.length) ** 2
    f1, f2 = syllable.formants
    signal = np.zeros(n.size)
    total_gain = 0.0
    harmonic = 1
    while harmonic * syllable.pitch_hz < 3400:
        frequency = harmonic * syllable.pitch_hz
        # Harmonics near a formant are loud, the rest fall off with frequency.
        gain = (
            1.0 / (1.0 + ((frequency - f1) / 120.0) ** 2)
            + 0.6 / (1.0 + ((frequency - f2) / 160.0) ** 2)
            + 0.05 / harmonic
        )
        signal += gain * np.sin(2 * math.pi * frequency * t)
        total_gain += gain
        harmonic += 1
    # Scaled by the sum of the gains, not the peak of this stretch, so that any
    # split of the syllable renders the same samples.
    return syllable.amplitude * envelope * signal * (4.0 / total_gain)


def speech(
    seconds: float, seed: int, level_dbm0: float = -18.0, pitch_hz: float = 0.0
) -> np.ndarray:
    """One person speaking for ``seconds``, words with short pauses between them, as
    float samples: a recorded prompt, or a caller leaving a message."""
    rng = np.random.default_rng(seed)
    length = int(seconds * SAMPLE_RATE)
    pitch = pitch_hz or float(rng.uniform(100, 230))
    amplitude = levels.sine_amplitude(level_dbm0)
    out = np.zeros(length)
    position = int(0.05 * SAMPLE_RATE)
    while position < length:
        for _ in range(int(rng.integers(1, 4))):  # a word
            syllable = Syllable(
                position,
                int(rng.uniform(0.12, 0.28) * SAMPLE_RATE),
                pitch * rng.uniform(0.9, 1.1),
                VOWELS[int(rng.integers(0, len(VOWELS)))],
                amplitude * rng.uniform(0.7, 1.2),
            )
            end = min(syllable.start + syllable.length, length)
            if end > syllable.start:
                out[syllable.start : end] += _syllable_samples(syllable, syllable.start, end)
            position += syllable.length
        position += int(rng.uniform(0.05, 0.2) * SAMPLE_RATE)  # between words
    return out
