"""Caller ID in a whole recording: FSK (Bell 202 and V.23) and DTMF, in time order."""

from __future__ import annotations

import numpy as np

from audio_format import SAMPLE_RATE
from firmware.callerid.dtmf_format import DtmfCallerIdReceiver
from firmware.callerid.fsk_receiver import decode_fsk
from firmware.callerid.message import CallerId

__all__ = ["decode_audio"]

# The same burst decoded by both FSK receivers (their tones are 100 Hz apart)
# is one message: keep the one whose checksum holds.
_SAME_BURST_S = 0.3


def _tone_energy(segment: np.ndarray, frequencies: tuple[float, float]) -> float:
    time = np.arange(segment.size) / SAMPLE_RATE
    return sum(abs(np.dot(segment, np.exp(-2j * np.pi * f * time))) ** 2 for f in frequencies)


def _tones_fit(samples: np.ndarray, caller_id: CallerId) -> bool:
    """Does the burst sound more like V.23 (1300/2100 Hz) than Bell 202 (1200/2200 Hz)?

    Each receiver reads the other's bursts (their tones are 100 Hz apart),
    so which one it was is settled on the tones themselves.
    """
    start = round((caller_id.start_s or 0.0) * SAMPLE_RATE)
    segment = samples[start : start + 4000].astype(np.float64)
    return _tone_energy(segment, (1300.0, 2100.0)) > _tone_energy(segment, (1200.0, 2200.0))


def decode_audio(samples: np.ndarray, dtmf: bool = True) -> list[CallerId]:
    """Every caller-ID message in int16 ``samples`` at 8 kHz, sorted by start time."""
    found: list[CallerId] = []
    for standard in ("bell202", "v23"):
        for caller_id in decode_fsk(samples, standard):
            twin = next(
                (
                    other
                    for other in found
                    if other.start_s is not None
                    and caller_id.start_s is not None
                    and abs(other.start_s - caller_id.start_s) < _SAME_BURST_S
                ),
                None,
            )
            if twin is None:
                found.append(caller_id)
            elif caller_id.valid and (not twin.valid or _tones_fit(samples, caller_id)):
                found[found.index(twin)] = caller_id
    if dtmf and samples.size:
        receiver = DtmfCallerIdReceiver()
        found += receiver.feed(samples) + receiver.finish()
    return sorted(found, key=lambda c: c.start_s if c.start_s is not None else 0.0)
