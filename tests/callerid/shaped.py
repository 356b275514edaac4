"""Caller-ID bursts shaped bit by bit, for the framing tests.

``FskModulator`` sends every bit alike. These bursts can stretch a bit (so
that a clock set on the seizure is off by a fraction of a bit when the
message starts), send a bit at a lower level, or let the tone of the bit
before linger on, phase-continuous, through a bit (so that its decision
leans the wrong way by a chosen amount): what a line's level dips, timing
jitter and echoes do to single bits, without noise, so the same samples
every run.
"""

from __future__ import annotations

import numpy as np

from dsp_ext import levels
from dsp_ext.fsk import char_bits

TONES = {"bell202": (1200.0, 2200.0), "v23": (1300.0, 2100.0)}  # mark, space in Hz
SEIZURE_BITS, MARK_BITS = 300, 180
FIRST_CHAR_BIT = SEIZURE_BITS + MARK_BITS  # index of the first start bit in burst_bits()


def burst_bits(message: bytes, stop_bits: int = 1, trailing_marks: int = 10) -> np.ndarray:
    """Seizure, mark run, ``message`` 8N1 (with ``stop_bits``), trailing marks."""
    return np.concatenate([
        np.tile(np.array([0, 1], np.uint8), SEIZURE_BITS // 2),
        np.ones(MARK_BITS, np.uint8),
        char_bits(message, stop_bits),
        np.ones(trailing_marks, np.uint8),
    ])


def shaped_fsk(
    bits: np.ndarray,
    standard: str,
    level_dbm0: float = -20.0,
    *,
    lengths: np.ndarray | None = None,
    gains: np.ndarray | None = None,
    linger: np.ndarray | None = None,
    linger_turn: float = 0.0,
) -> np.ndarray:
    """Phase-continuous FSK at 8 kHz as int16, with 800 samples of silence each side.

    Per bit: ``lengths`` in bits (default 1), ``gains`` (default 1), and
    ``linger``, the share of the amplitude that keeps the previous bit's
    tone, phase-continuous from it and turned by ``linger_turn`` radians.
    """
    mark, space = TONES[standard]
    count = bits.size
    lengths = np.ones(count) if lengths is None else np.asarray(lengths, float)
    gains = np.ones(count) if gains is None else np.asarray(gains, float)
    linger = np.zeros(count) if linger is None else np.asarray(linger, float)
    edges = np.concatenate([[0.0], np.cumsum(lengths)]) * 8000 / 1200
    samples = np.arange(int(edges[-1]))
    index = np.searchsorted(edges, samples + 0.5, side="right") - 1
    frequency = np.where(bits[index] == 1, mark, space)
    phase = 2 * np.pi * np.cumsum(frequency) / 8000
    wave = np.sin(phase)
    for bit in np.flatnonzero(linger):
        inside = np.flatnonzero(index == bit)
        before = inside[0] - 1
        previous = mark if bits[bit - 1] == 1 else space
        held = linger_turn + phase[before] + 2 * np.pi * previous * (inside - before) / 8000
        wave[inside] = (1 - linger[bit]) * wave[inside] + linger[bit] * np.sin(held)
    audio = levels.sine_amplitude(level_dbm0) * gains[index] * wave
    silence = np.zeros(800)
    return np.round(np.concatenate([silence, audio, silence])).astype(np.int16)
