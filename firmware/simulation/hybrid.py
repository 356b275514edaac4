"""A line's hybrid: the echo path from what the box plays to what it hears.

A two-wire line meets the box through a hybrid (the line interface's
transformer and the exchange's own two-to-four-wire converter), which sends
part of what the box plays back into what it hears. ITU-T G.168 Annex D
gives measured hybrids as echo path models: a few milliseconds of bulk
delay, then a response that rings for 2 to 8 ms (64 to 128 taps at 8 kHz),
with little below 300 Hz (the transformers) and a response over the voice
band within a few dB of flat, at an echo return loss (ERL) of 6 dB (a poor
hybrid) to 20 dB and more (a good one).

``echo_path(seed)`` draws one such hybrid: a bulk delay of 0.25 to 3 ms, a
response of decaying band-limited noise and a resonance or two (a decay of
0.6 to 3 ms), high-passed at about 250 Hz, and scaled so that its ERL, the
loss for a signal with a flat spectrum over 300-3400 Hz (``erl_db``), is
the one drawn (6 to 20 dB). The office gives each of its lines its own,
seeded by the scenario and the line, so a run is repeatable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from audio_format import SAMPLE_RATE

TAPS = 128  # 16 ms: the longest of G.168's models
ERL_RANGE_DB = (6.0, 20.0)
DELAY_RANGE_MS = (0.25, 3.0)
DECAY_RANGE_MS = (0.6, 3.0)
VOICE_BAND_HZ = (300.0, 3400.0)
HIGH_PASS_HZ = 250.0


@dataclass(frozen=True)
class EchoPath:
    """One hybrid: its impulse response (gain included) and how it was drawn."""

    response: np.ndarray  # float64, TAPS long
    erl_db: float
    delay_ms: float
    decay_ms: float

    def __str__(self) -> str:
        return (
            f"ERL {self.erl_db:.1f} dB, delay {self.delay_ms:.2f} ms, "
            f"decay {self.decay_ms:.1f} ms"
        )


def erl_db(response: np.ndarray) -> float:
    """The echo return loss of ``response``: the loss for a flat voice-band signal (dB)."""
    spectrum = np.abs(np.fft.rfft(response, 1024)) ** 2
    frequencies = np.fft.rfftfreq(1024, 1 / SAMPLE_RATE)
    band = (frequencies >= VOICE_BAND_HZ[0]) & (frequencies <= VOICE_BAND_HZ[1])
    return -10 * math.log10(float(np.mean(spectrum[band])))


def echo_path(seed: int | list[int], erl: float | None = None) -> EchoPath:
    """A hybrid drawn from ``seed``; ``erl`` (dB) fixes its loss instead of drawing it."""
    rng = np.random.default_rng(seed)
    loss = float(rng.uniform(*ERL_RANGE_DB)) if erl is None else float(erl)
    delay_ms = float(rng.uniform(*DELAY_RANGE_MS))
    decay_ms = float(rng.uniform(*DECAY_RANGE_MS))
    delay = round(delay_ms * SAMPLE_RATE / 1000)
    n = np.arange(TAPS - delay)
    envelope = np.exp(-n / (decay_ms * SAMPLE_RATE / 1000))
    shape = rng.normal(0.0, 1.0, n.size)
    for _ in range(int(rng.integers(1, 3))):  # a resonance of the line's transformer
        frequency = float(rng.uniform(400, 3000))
        shape += 2.0 * np.sin(2 * math.pi * frequency * n / SAMPLE_RATE + rng.uniform(0, 6.3))
    body = shape * envelope
    body[0] *= 0.3  # the response rises over its first samples
    # High-pass (the transformers pass nothing of DC and little below 300 Hz): take out
    # the response's slowly moving part, twice (a first-order filter run both ways).
    for _ in range(2):
        body = body - _smooth(body, HIGH_PASS_HZ)
    response = np.zeros(TAPS)
    response[delay:] = body
    response *= 10 ** ((erl_db(response) - loss) / 20)
    return EchoPath(response, loss, delay_ms, decay_ms)


def _smooth(signal: np.ndarray, corner_hz: float) -> np.ndarray:
    """``signal`` low-passed at ``corner_hz`` by a one-pole filter, forwards and back."""
    alpha = 1 - math.exp(-2 * math.pi * corner_hz / SAMPLE_RATE)
    out = np.empty_like(signal)
    for direction in (1, -1):
        source = signal if direction == 1 else out[::-1].copy()
        state = 0.0
        result = np.empty_like(source)
        for index, value in enumerate(source):
            state += alpha * (value - state)
            result[index] = state
        out = result if direction == 1 else result[::-1]
    return out


def line_echo_path(scenario_seed: int, line: int) -> EchoPath:
    """The hybrid of the office's line ``line`` in a scenario with ``scenario_seed``."""
    return echo_path([scenario_seed, line, 0x4859])
