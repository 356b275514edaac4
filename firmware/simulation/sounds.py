"""The box's own generators, as the simulated office's ``Sounds``."""

from __future__ import annotations

import functools

import numpy as np

from dsp_ext.dtmf import dtmf_generate
from firmware.callerid import generate
from firmware.simulation.timeline import CallerIdRequest, Sounds

DIGIT_MS = 80.0  # a key held down briefly; the pause after it is the timeline's
DIGIT_LEVEL_DBM0 = -8.0  # a telephone's keypad on its own line


@functools.lru_cache(maxsize=16)
def _digit(digit: str) -> np.ndarray:
    return dtmf_generate(digit, level_dbm0=DIGIT_LEVEL_DBM0, twist_db=2.0, on_ms=DIGIT_MS, off_ms=0)


def _key(digit: str, level_dbm0: float, on_ms: float) -> np.ndarray:
    return dtmf_generate(digit, level_dbm0=level_dbm0, twist_db=2.0, on_ms=on_ms, off_ms=0)


def _fsk(request: CallerIdRequest, standard: str) -> np.ndarray:
    return generate.caller_id_fsk(request, standard)


def _dtmf(request: CallerIdRequest) -> np.ndarray:
    return generate.caller_id_dtmf(request)


def box_sounds() -> Sounds:
    return Sounds(
        caller_id_fsk=_fsk,
        caller_id_dtmf=_dtmf,
        dtmf_digit=_digit,
        dual_tone_alert=generate.dtas_signal,
        key=_key,
    )
