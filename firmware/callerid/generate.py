"""Caller-ID signal generators for the line simulator and the tests.

FSK bursts (channel seizure, mark, message, 8N1, optional noise-free
impairments: level, tone and baud offsets), DTMF caller ID and the DT-AS
alerting tone, all as int16 arrays at 8 kHz from the box's own kernels.
"""

from __future__ import annotations

import numpy as np

from dsp_ext import levels
from dsp_ext.dtas import dtas_generate
from dsp_ext.fsk import FskModulator, char_bits
from firmware.callerid.dtmf_format import format_dtmf_cid
from firmware.callerid.message import CallerIdError, build_mdmf, build_sdmf

__all__ = [
    "SEIZURE_BITS",
    "caller_id_dtmf",
    "caller_id_fsk",
    "caller_id_sdmf",
    "dtas_signal",
    "fsk_burst",
]

SEIZURE_BITS = 300
MARK_BITS = 180
CALL_WAITING_MARK_BITS = 80


def fsk_burst(
    message: bytes,
    standard: str = "bell202",
    *,
    level_dbm0: float = -13.0,
    seizure_bits: int = SEIZURE_BITS,
    mark_bits: int = MARK_BITS,
    trailing_marks: int = 4,
    stop_bits: int = 1,
    freq_offset: float = 0.0,
    baud_offset: float = 0.0,
) -> np.ndarray:
    """One caller-ID burst: seizure (alternating bits), mark run, the message 8N1, marks."""
    if seizure_bits < 0 or mark_bits < 0 or trailing_marks < 0:
        raise CallerIdError("seizure_bits, mark_bits and trailing_marks must be >= 0")
    bits = np.concatenate(
        [
            np.tile(np.array([0, 1], dtype=np.uint8), (seizure_bits + 1) // 2)[:seizure_bits],
            np.ones(mark_bits, dtype=np.uint8),
            char_bits(bytes(message), stop_bits),
            np.ones(trailing_marks, dtype=np.uint8),
        ]
    )
    modulator = FskModulator(standard, levels.sine_amplitude(level_dbm0), freq_offset, baud_offset)
    return modulator.modulate(bits)


def caller_id_fsk(request, standard: str = "bell202", level_dbm0: float = -13.0) -> np.ndarray:
    """The simulator's FSK caller ID: MDMF with date, number or reason, and name.

    ``request`` has ``number``, ``name``, ``private`` ("", "O" or "P") and
    ``date`` (MMDDHHMM), as ``firmware.simulation.timeline.CallerIdRequest``.
    """
    private = getattr(request, "private", "") or None
    message = build_mdmf(
        date=request.date,
        number=None if private else request.number,
        reason_absent=private,
        name=(request.name or None) if not private else None,
        name_absent=private if private and not request.name else None,
    )
    return fsk_burst(message, standard, level_dbm0=level_dbm0)


def caller_id_sdmf(
    date: str, number: str, standard: str = "bell202", level_dbm0: float = -13.0
) -> np.ndarray:
    """An SDMF burst (date and number only), as older exchanges send."""
    return fsk_burst(build_sdmf(date, number), standard, level_dbm0=level_dbm0)


def caller_id_dtmf(
    request,
    layout: str = "A_C",
    level_dbm0: float = -10.0,
    on_ms: float = 70.0,
    off_ms: float = 70.0,
) -> np.ndarray:
    """DTMF caller ID for ``request`` in the given layout (see ``format_dtmf_cid``)."""
    from dsp_ext.dtmf import dtmf_generate  # noqa: PLC0415 - DTMF kernels only when asked

    digits = format_dtmf_cid(request.number, getattr(request, "private", "") or "", layout)
    return dtmf_generate(digits, level_dbm0=level_dbm0, on_ms=on_ms, off_ms=off_ms)


def dtas_signal(duration_ms: float = 100.0, level_dbm0: float = -13.0) -> np.ndarray:
    """The DT-AS alerting tone (2130 + 2750 Hz), each tone at ``level_dbm0``."""
    amplitude = levels.sine_amplitude(level_dbm0)
    return dtas_generate(round(duration_ms * 8), amplitude, amplitude)
