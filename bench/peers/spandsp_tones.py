"""What spandsp's tone detectors take (see ``peer_tones.h``), for the tone tests and benchmarks.

- ``super_tone_elements``: a ``TonePlan``'s patterns as super_tone_rx's flat
  element arrays (its elements take the same minimum and maximum times);
- the modem_connect_tones_rx tone types used (modem_connect_tones.h).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dsp_ext.tones import TonePlan

SPANDSP_CNG = 1  # MODEM_CONNECT_TONES_FAX_CNG
SPANDSP_ANSAM_PR = 5  # MODEM_CONNECT_TONES_ANSAM_PR


def super_tone_elements(ffi, plan: TonePlan, names: list[str]) -> list:
    """super_tone_rx's arrays (n_steps, f1, f2, min_ms, max_ms) for the plan's
    patterns in ``names``, in plan order, as cffi ``int[]`` for ``ffi``."""
    n_steps, f1, f2, low, high = [], [], [], [], []
    for pattern in plan.patterns:
        if pattern.name not in names:
            continue
        n_steps.append(len(pattern.steps))
        for step in pattern.steps:
            tones = [round(f) for f in step.frequencies_hz] + [0, 0]
            f1.append(tones[0])
            f2.append(tones[1])
            low.append(round(step.min_s * 1000))
            high.append(0 if step.max_s is None else round(step.max_s * 1000))
    return [ffi.new("int[]", values) for values in (n_steps, f1, f2, low, high)]
