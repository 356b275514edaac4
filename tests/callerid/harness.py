"""One harness for our caller-ID receiver and spandsp's ``adsi_rx``.

Both receivers get the very same samples. A trial is one caller-ID burst
(channel seizure, mark, an MDMF message with date, an 11-digit number and
an 8-letter name: 36 bytes with the checksum) between random stretches of
the same noise. S/N is the burst's power over the power of white Gaussian
noise across the whole 0-4 kHz band, as spandsp's ``awgn`` makes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from dsp_ext import levels
from firmware.callerid import build_mdmf, decode_fsk
from firmware.callerid.generate import fsk_burst

SPANDSP_STANDARD = {"bell202": 1, "v23": 2}  # ADSI_STANDARD_CLASS, ADSI_STANDARD_CLIP


def random_message(rng: np.random.Generator) -> bytes:
    date = f"{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}{rng.integers(0, 24):02d}" + (
        f"{rng.integers(0, 60):02d}"
    )
    number = "1" + "".join(str(d) for d in rng.integers(0, 10, 10))
    name = "".join(chr(c) for c in rng.integers(ord("A"), ord("Z") + 1, 8))
    return build_mdmf(date=date, number=number, name=name)


def add_noise(rng: np.random.Generator, signal: np.ndarray, noise_rms: float) -> np.ndarray:
    noisy = signal.astype(np.float64) + rng.normal(0.0, noise_rms, signal.size)
    return np.clip(np.round(noisy), -32768, 32767).astype(np.int16)


def trial_audio(
    rng: np.random.Generator,
    message: bytes,
    standard: str,
    level_dbm0: float,
    snr_db: float | None,
    **burst_options,
) -> np.ndarray:
    burst = fsk_burst(message, standard, level_dbm0=level_dbm0, **burst_options)
    lead, tail = int(rng.integers(200, 1200)), int(rng.integers(400, 1200))
    audio = np.concatenate([np.zeros(lead), burst, np.zeros(tail)])
    if snr_db is None:
        return np.clip(np.round(audio), -32768, 32767).astype(np.int16)
    signal_rms = levels.sine_amplitude(level_dbm0) / math.sqrt(2)
    return add_noise(rng, audio, signal_rms / 10 ** (snr_db / 20))


def ours_decodes(audio: np.ndarray, message: bytes, standard: str) -> bool:
    return any(c.valid and c.raw == message for c in decode_fsk(audio, standard))


def spandsp_messages(spandsp, audio: np.ndarray, standard: str) -> list[bytes]:
    ffi, lib = spandsp
    buffer = ffi.new("uint8_t[]", 4096)
    lengths = ffi.new("int[]", 16)
    count = lib.peer_adsi_rx(
        SPANDSP_STANDARD[standard], ffi.from_buffer("int16_t[]", audio), audio.size,
        buffer, 4096, lengths, 16,
    )
    messages, offset = [], 0
    for i in range(max(count, 0)):
        messages.append(bytes(ffi.buffer(buffer + offset, lengths[i])))
        offset += lengths[i]
    return messages


def spandsp_decodes(spandsp, audio: np.ndarray, message: bytes, standard: str) -> bool:
    # spandsp delivers messages whose checksum held, without the checksum byte
    return message[:-1] in spandsp_messages(spandsp, audio, standard)


def spandsp_burst(spandsp, message: bytes, standard: str) -> np.ndarray:
    """spandsp's own transmitter for ``message`` (it computes the checksum itself)."""
    ffi, lib = spandsp
    out = np.zeros(40000, dtype=np.int16)
    body = message[:-1]
    count = lib.peer_adsi_tx(
        SPANDSP_STANDARD[standard], body, len(body), ffi.from_buffer("int16_t[]", out), out.size
    )
    assert count > 0, "spandsp's adsi_tx made no samples"
    return out[:count]


@dataclass
class SweepRow:
    label: str
    trials: int
    ours: int = 0
    spandsp: int | None = None


@dataclass
class Sweep:
    title: str
    rows: list[SweepRow] = field(default_factory=list)

    def table(self) -> str:
        lines = [self.title, f"{'':>10} {'linerec':>9} {'spandsp':>9}"]
        for row in self.rows:
            peer = "-" if row.spandsp is None else f"{row.spandsp}/{row.trials}"
            lines.append(f"{row.label:>10} {row.ours:>4}/{row.trials:<4} {peer:>9}")
        return "\n".join(lines)


def run_sweep(
    rng: np.random.Generator,
    title: str,
    points: list[tuple[str, float, float | None]],
    standard: str,
    trials: int,
    *,
    spandsp=None,
    **burst_options,
) -> Sweep:
    """``points``: (label, level dBm0, S/N dB or None) for each row of the table."""
    sweep = Sweep(title)
    for label, level, snr in points:
        row = SweepRow(label, trials, spandsp=0 if spandsp is not None else None)
        for _ in range(trials):
            message = random_message(rng)
            audio = trial_audio(rng, message, standard, level, snr, **burst_options)
            row.ours += ours_decodes(audio, message, standard)
            if spandsp is not None:
                row.spandsp += spandsp_decodes(spandsp, audio, message, standard)
        sweep.rows.append(row)
    print()
    print(sweep.table())
    return sweep
