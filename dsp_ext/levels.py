"""Signal levels in dBm0 for 16-bit linear audio that travels as G.711.

G.711 puts full scale at +3.14 dBm0 for A-law and +3.17 dBm0 for mu-law,
where full scale is the overload point of each law in 16-bit terms (A-law
4096 x 8, mu-law 8159 x 4). So 0 dBm0, the digital milliwatt, is a sine of
RMS 16 096 (A-law) or 15 995 (mu-law) in 16-bit linear.
"""

from __future__ import annotations

import math

import numpy as np

_FULL_SCALE = {"alaw": (4096 * 8, 3.14), "ulaw": (8159 * 4, 3.17)}


def reference_rms(law: str = "alaw") -> float:
    """The RMS of a 0 dBm0 sine in 16-bit linear for ``law`` ("alaw" or "ulaw")."""
    try:
        overload, full_scale_dbm0 = _FULL_SCALE[law]
    except KeyError:
        raise ValueError(f"law must be 'alaw' or 'ulaw', got {law!r}") from None
    return overload / math.sqrt(2) / 10 ** (full_scale_dbm0 / 20)


def sine_amplitude(level_dbm0: float, law: str = "alaw") -> float:
    """Peak amplitude of a sine at ``level_dbm0``."""
    return reference_rms(law) * math.sqrt(2) * 10 ** (level_dbm0 / 20)


def rms_dbm0(samples: np.ndarray, law: str = "alaw") -> float:
    """The RMS level of ``samples`` in dBm0 (minus infinity for silence)."""
    values = np.asarray(samples, dtype=np.float64)
    if values.size == 0:
        raise ValueError("rms_dbm0 needs at least one sample")
    rms = math.sqrt(float(np.mean(values * values)))
    return 20 * math.log10(rms / reference_rms(law)) if rms > 0 else -math.inf
