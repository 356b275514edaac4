"""Voice activity detection for voice-activated recording and silence trimming.

>>> detector = VoiceDetector(hangover_ms=500)
>>> events = detector.process(samples)          # int16, any length
>>> [(event.kind, event.sample) for event in events]
[('start', 12000), ('stop', 52000)]

A 10 ms block counts as voice when its level is above ``threshold_dbm0`` and
``snr_db`` above the noise floor the detector tracks. Voice starts after
``min_on_ms`` of such blocks, dated to the first of them, and stops
``hangover_ms`` after the last one (the stop is dated when the hangover runs
out). Sample positions count from the first sample the detector was fed.
Pre-roll (keeping audio from before the start) is the recorder's business:
the start sample tells it how far back the voice began.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audio_format import SAMPLE_RATE
from dsp_ext._binding import check, ffi, input_array, lib, pointer
from dsp_ext.errors import DspInputError

__all__ = ["VoiceDetector", "VoiceEvent"]

BLOCK_SAMPLES = 80
_KINDS = {lib.LR_VAD_START: "start", lib.LR_VAD_STOP: "stop"}


@dataclass(frozen=True)
class VoiceEvent:
    kind: str  # "start" or "stop"
    sample: int  # position in the stream fed so far

    @property
    def seconds(self) -> float:
        return self.sample / SAMPLE_RATE


class VoiceDetector:
    """One line's voice activity detector."""

    def __init__(
        self,
        threshold_dbm0: float = -45.0,
        snr_db: float = 9.0,
        min_on_ms: int = 30,
        hangover_ms: int = 3000,
    ) -> None:
        self._params = ffi.new("lr_vad_params *")
        self._params.threshold_dbm0 = threshold_dbm0
        self._params.snr_db = snr_db
        self._params.min_on_ms = min_on_ms
        self._params.hangover_ms = hangover_ms
        # The caller owns the state's memory (no malloc in C): keep the buffer alive.
        self._buffer = ffi.new("char[]", lib.lr_vad_state_size())
        self._state = ffi.cast("lr_vad_state *", self._buffer)
        status = lib.lr_vad_init(self._state, self._params)
        if status == lib.LR_ERR_ARG:
            raise DspInputError(
                "VoiceDetector: parameters out of range (threshold_dbm0 -70..0, snr_db 0..40, "
                f"min_on_ms 10..1000, hangover_ms 0..60000): threshold_dbm0={threshold_dbm0}, "
                f"snr_db={snr_db}, min_on_ms={min_on_ms}, hangover_ms={hangover_ms}"
            )
        check(status, "VoiceDetector")
        self._events = ffi.new("lr_vad_event[]", 2)

    def process(self, samples: np.ndarray) -> list[VoiceEvent]:
        """Feed int16 samples; return the starts and stops they caused, in order."""
        pcm = input_array(samples, np.int16, "samples", "VoiceDetector.process")
        needed = pcm.size // BLOCK_SAMPLES + 2
        if len(self._events) < needed:
            self._events = ffi.new("lr_vad_event[]", needed)
        count = ffi.new("size_t *")
        check(
            lib.lr_vad_process(
                self._state, pointer(pcm, "int16_t"), pcm.size, self._events, needed, count
            ),
            "VoiceDetector.process",
        )
        return [
            VoiceEvent(_KINDS[self._events[i].kind], int(self._events[i].sample))
            for i in range(count[0])
        ]

    def reset(self) -> None:
        """Forget everything: noise floor, voice, sample count."""
        check(lib.lr_vad_reset(self._state), "VoiceDetector.reset")

    @property
    def active(self) -> bool:
        return bool(lib.lr_vad_active(self._state))

    @property
    def level_dbm0(self) -> float:
        """The level of the last complete 10 ms block."""
        return float(lib.lr_vad_level_dbm0(self._state))

    @property
    def noise_dbm0(self) -> float:
        """The noise floor the detector is tracking."""
        return float(lib.lr_vad_noise_dbm0(self._state))
