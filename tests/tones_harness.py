"""Signals and peer runs shared by the tone tests.

- ``Burst`` lists and ``render``: a tone's cadence written out burst by burst
  (each step's time scaled or jittered), at a level in dBm0, in white noise
  at a chosen S/N, with the true start and end of the tone;
- ``ours`` and ``spandsp_super_tone`` / ``spandsp_connect_tones``: the tones
  each detector reports on the same samples. spandsp's super_tone_rx gets
  the same plan (its elements take the same minimum and maximum times), and
  its fax tones come from its dedicated modem_connect_tones_rx.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bench.peers.spandsp_tones import SPANDSP_ANSAM_PR, SPANDSP_CNG, super_tone_elements
from dsp_ext import levels
from dsp_ext.tonegen import tone as make_tone
from dsp_ext.tones import ToneDetector, TonePlan
from firmware.country.profiles import (
    FAX_ANSWER_SECONDS,
    FAX_ANSWER_TONE,
    FAX_ANSWER_TONE_ANSAM,
    FAX_CALLING_TONE,
    SPECIAL_INFORMATION_TONE,
    Tone,
    ToneSequence,
    profile,
)
from firmware.country.tones import tone_generator

RATE = 8000
SPANDSP_CONNECT_NAMES = {1: "fax_cng", 2: "fax_ced", 3: "fax_ced", 4: "fax_ced", 5: "fax_ced"}


def tones_of(country: str) -> dict[str, Tone | ToneSequence]:
    """Every tone the detector of ``country`` knows, by the name it reports,
    and ANSam (reported as fax_ced)."""
    tones: dict[str, Tone | ToneSequence] = dict(profile(country).tones)
    tones["sit"] = SPECIAL_INFORMATION_TONE
    tones["fax_cng"] = FAX_CALLING_TONE
    tones["fax_ced"] = FAX_ANSWER_TONE
    tones["ansam"] = FAX_ANSWER_TONE_ANSAM
    return tones


def reported_name(name: str) -> str:
    return "fax_ced" if name == "ansam" else name


@dataclass(frozen=True)
class Signal:
    samples: np.ndarray
    start: int  # first sample of the tone
    end: int  # one past the last sample of its last burst


def bursts(
    tone: Tone | ToneSequence,
    seconds: float,
    rng: np.random.Generator,
    scale: float = 1.0,
    jitter: float = 0.0,
) -> list[tuple[tuple[float, ...], float]]:
    """The tone's steps written out for about ``seconds``: every step's time
    times ``scale`` and times a factor drawn from 1 +- ``jitter``. A
    continuous tone is one step of ``seconds``; CED lasts 2.6 to 4 s."""
    steps = tone.steps()
    if isinstance(tone, Tone) and not tone.cadence_s:
        return [(tone.frequencies_hz, seconds * scale)]
    out: list[tuple[tuple[float, ...], float]] = []
    total = 0.0
    while total < seconds:
        for frequencies, nominal in steps:
            length = nominal * scale * float(rng.uniform(1.0 - jitter, 1.0 + jitter))
            out.append((tuple(frequencies), length))
            total += length
    # End on a tone step, so the tone's end is its last burst's end.
    while not out[-1][0]:
        out.pop()
    return out


def render(
    tone: Tone | ToneSequence,
    steps: list[tuple[tuple[float, ...], float]],
    level_dbm0: float,
    rng: np.random.Generator,
    *,
    snr_db: float | None = None,
    lead_s: float = 0.5,
    tail_s: float = 1.5,
) -> Signal:
    """The steps as audio (each burst at ``level_dbm0``, its tones' summed
    power), after ``lead_s`` and before ``tail_s`` of silence, with white
    noise ``snr_db`` under the tone's level (None: no noise)."""
    lead = round(lead_s * RATE) + int(rng.integers(0, 40))
    pieces = [np.zeros(lead)]
    ansam = isinstance(tone, Tone) and tone.phase_reversal_s > 0
    for frequencies, seconds in steps:
        count = round(seconds * RATE)
        if not frequencies:
            pieces.append(np.zeros(count))
        elif ansam:
            pieces.append(tone_generator(tone, level_dbm0).generate(count).astype(float))
        else:
            each = level_dbm0 - 10 * math.log10(len(frequencies))
            pieces.append(make_tone(frequencies, count / RATE, level_dbm0=each).astype(float))
    body = np.concatenate(pieces)
    end = body.size
    signal = np.concatenate([body, np.zeros(int(tail_s * RATE))])
    if snr_db is not None:
        sigma = levels.reference_rms() * 10 ** ((level_dbm0 - snr_db) / 20)
        signal = signal + rng.normal(0.0, sigma, signal.size)
    samples = np.clip(np.round(signal), -32768, 32767).astype(np.int16)
    return Signal(samples, lead, end)


def tone_signal(
    name: str,
    country: str,
    rng: np.random.Generator,
    *,
    scale: float = 1.0,
    jitter: float = 0.0,
    level_dbm0: float = -30.0,
    snr_db: float | None = 15.0,
) -> Signal:
    """Enough of tone ``name`` of ``country`` to confirm it: four cycles of a
    short cadence, three of a long one, 4 s of a continuous tone, one CED."""
    tone = tones_of(country)[name]
    if name in ("fax_ced", "ansam"):
        seconds = FAX_ANSWER_SECONDS
    elif isinstance(tone, Tone) and not tone.cadence_s:
        seconds = 4.0
    else:
        period = sum(seconds for _, seconds in tone.steps())
        seconds = period * (4 if period < 2.0 else 3) + 0.1
    steps = bursts(tone, seconds, rng, scale, jitter)
    return render(tone, steps, level_dbm0, rng, snr_db=snr_db)


def ours(plan: TonePlan, samples: np.ndarray) -> list[tuple[str, int, int]]:
    return [(t.tone, t.start, t.end) for t in ToneDetector(plan).detect(samples)]


def spandsp_super_tone(
    spandsp, plan: TonePlan, samples: np.ndarray, names: list[str] | None = None, chunk: int = 40
) -> list[tuple[str, int, int | None]]:
    """super_tone_rx with the plan's patterns (or those in ``names``): each
    tone as (name, where it was reported, where its end was reported)."""
    ffi, lib = spandsp
    names = names or plan.names()
    chosen = [p.name for p in plan.patterns if p.name in names]
    arrays = super_tone_elements(ffi, plan, chosen)
    codes, positions = ffi.new("int[]", 256), ffi.new("int[]", 256)
    count = lib.peer_spandsp_super_tone_detect(
        ffi.from_buffer("int16_t[]", samples),
        samples.size,
        chunk,
        len(chosen),
        *arrays,
        codes,
        positions,
        256,
    )
    found: list[tuple[str, int, int | None]] = []
    for i in range(count):
        if codes[i] >= 0:
            found.append((chosen[codes[i]], positions[i], None))
        elif found and found[-1][2] is None:
            found[-1] = (found[-1][0], found[-1][1], positions[i])
    return found


def spandsp_connect_tones(
    spandsp, tone_type: int, samples: np.ndarray, chunk: int = 40
) -> list[tuple[str, int, int | None]]:
    """modem_connect_tones_rx for ``tone_type``: each tone as (name, reported, ended)."""
    ffi, lib = spandsp
    codes, positions = ffi.new("int[]", 256), ffi.new("int[]", 256)
    count = lib.peer_spandsp_connect_tones_detect(
        ffi.from_buffer("int16_t[]", samples),
        samples.size,
        chunk,
        tone_type,
        codes,
        positions,
        256,
    )
    found: list[tuple[str, int, int | None]] = []
    for i in range(count):
        if codes[i] > 0:
            found.append((SPANDSP_CONNECT_NAMES.get(codes[i], str(codes[i])), positions[i], None))
        elif found and found[-1][2] is None:
            found[-1] = (found[-1][0], found[-1][1], positions[i])
    return found


def spandsp_all(spandsp, plan: TonePlan, samples: np.ndarray) -> list[tuple[str, int, int | None]]:
    """spandsp doing our whole job: super_tone_rx for the call-progress tones
    and SIT, modem_connect_tones_rx for CNG and for CED/ANSam."""
    cp = [name for name in plan.names() if not name.startswith("fax_")]
    found = spandsp_super_tone(spandsp, plan, samples, cp)
    found += spandsp_connect_tones(spandsp, SPANDSP_CNG, samples)
    found += spandsp_connect_tones(spandsp, SPANDSP_ANSAM_PR, samples)
    return sorted(found, key=lambda item: item[1])


def table(title: str, header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = [title, "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)
