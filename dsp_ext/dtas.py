"""The dual-tone alerting signal (DT-AS, 2130 + 2750 Hz): detector and generator.

ETSI EN 300 659-1 announces caller ID sent before the first ring with it
(and/or a line reversal); Bellcore's CPE alerting signal is the same pair.

>>> from dsp_ext import dtas
>>> tone = dtas.dtas_generate(800, 3000.0, 3000.0)
>>> import numpy as np
>>> audio = np.concatenate([np.zeros(400, np.int16), tone, np.zeros(400, np.int16)])
>>> [(t.start, t.end) for t in dtas.DtasDetector().process(audio)]
[(400, 1200)]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dsp_ext._binding import check, ffi, input_array, lib, pointer

__all__ = ["DtasDetector", "DtasTone", "dtas_generate"]

_CHUNK = 4096


@dataclass(frozen=True)
class DtasTone:
    """One alerting tone: samples since the start or reset, end exclusive (10 ms steps)."""

    start: int
    end: int


class DtasDetector:
    """One line's DT-AS detector; tones of at least ``min_ms`` are reported when they end."""

    def __init__(self, min_ms: int = 40) -> None:
        self._state = ffi.new("uint8_t[]", lib.lr_dtas_rx_state_size())
        self._rx = ffi.cast("struct lr_dtas_rx *", self._state)
        check(lib.lr_dtas_rx_init(self._rx, int(min_ms)), "lr_dtas_rx_init (min_ms 20-500)")
        self._capacity = lib.lr_dtas_rx_events_needed(_CHUNK)
        self._events = ffi.new("struct lr_dtas_event[]", self._capacity)
        self._count = ffi.new("size_t *")

    def reset(self) -> None:
        check(lib.lr_dtas_rx_reset(self._rx), "lr_dtas_rx_reset")

    def process(self, samples: np.ndarray) -> list[DtasTone]:
        """Feed int16 samples; returns the tones that ended within them."""
        audio = input_array(samples, np.int16, "samples", "DtasDetector.process")
        tones = []
        for start in range(0, audio.size, _CHUNK):
            block = audio[start : start + _CHUNK]
            check(
                lib.lr_dtas_rx_process(
                    self._rx, pointer(block, "int16_t"), block.size,
                    self._events, self._capacity, self._count,
                ),
                "lr_dtas_rx_process",
            )
            tones.extend(
                DtasTone(int(self._events[i].start), int(self._events[i].end))
                for i in range(self._count[0])
            )
        return tones


def dtas_generate(n_samples: int, amplitude_low: float, amplitude_high: float) -> np.ndarray:
    """``n_samples`` of 2130 Hz (peak ``amplitude_low``) plus 2750 Hz (``amplitude_high``)."""
    out = np.zeros(max(int(n_samples), 1), dtype=np.int16)
    check(
        lib.lr_dtas_generate(pointer(out, "int16_t"), int(n_samples),
                             float(amplitude_low), float(amplitude_high)),
        "lr_dtas_generate (amplitudes 0-32767)",
    )
    return out[: int(n_samples)]
