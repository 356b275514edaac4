"""Voice-modem sample formats to and from 16-bit linear, and the cutting of samples into frames.

Voice modems send 8 kHz audio as 8-bit mu-law or A-law (G.711), 8-bit
linear (usually unsigned, offset 128) or 16-bit signed little-endian
linear, and take what they play in the same format. The drivers decode and
encode it here, so callers always deal in int16 frames; G.711 is decoded
with 256-entry tables built from the law's formula (the drivers may not use
``dsp_ext``; the tests check these tables against it) and encoded to the
nearest of those 256 values.
"""

from __future__ import annotations

import enum

import numpy as np

from audio_format import FRAME_SAMPLES

__all__ = [
    "FrameAssembler",
    "SampleFormat",
    "VoiceDecoder",
    "alaw_table",
    "encode_samples",
    "ulaw_table",
]


class SampleFormat(enum.Enum):
    ULAW = "ulaw"  # G.711 mu-law, 8 bits
    ALAW = "alaw"  # G.711 A-law, 8 bits
    U8 = "u8"  # linear, unsigned 8 bits (128 is silence)
    S8 = "s8"  # linear, signed 8 bits
    S16LE = "s16le"  # linear, signed 16 bits, little-endian

    @property
    def bytes_per_sample(self) -> int:
        return 2 if self is SampleFormat.S16LE else 1


def ulaw_table() -> np.ndarray:
    """int16 value of each mu-law code: sign, 3-bit segment, 4-bit step, bias 0x84, inverted."""
    code = ~np.arange(256, dtype=np.int32) & 0xFF
    segment = (code >> 4) & 0x07
    step = code & 0x0F
    magnitude = (((step << 3) + 0x84) << segment) - 0x84
    return np.where(code & 0x80, -magnitude, magnitude).astype(np.int16)


def alaw_table() -> np.ndarray:
    """int16 value of each A-law code: even bits inverted (0x55), sign bit set = positive."""
    code = np.arange(256, dtype=np.int32) ^ 0x55
    segment = (code >> 4) & 0x07
    step = code & 0x0F
    magnitude = np.where(
        segment == 0, (step << 4) + 8, ((step << 4) + 0x108) << np.maximum(segment - 1, 0)
    )
    return np.where(code & 0x80, magnitude, -magnitude).astype(np.int16)


_TABLES = {SampleFormat.ULAW: ulaw_table(), SampleFormat.ALAW: alaw_table()}


def _nearest_code_table(table: np.ndarray) -> np.ndarray:
    """For each int16 value (offset by 32768), the code whose decoded value is nearest."""
    order = np.argsort(table, kind="stable")
    values = table[order].astype(np.int32)
    # Codes with equal values (+0 and -0) keep the first; the bounds sit half-way between.
    keep = np.concatenate([[True], np.diff(values) > 0])
    values, order = values[keep], order[keep]
    bounds = (values[:-1] + values[1:]) / 2
    samples = np.arange(-32768, 32768)
    return order[np.searchsorted(bounds, samples, side="left")].astype(np.uint8)


_ENCODE_TABLES: dict[SampleFormat, np.ndarray] = {}


def encode_samples(samples: np.ndarray, sample_format: SampleFormat) -> bytes:
    """int16 samples as the bytes of ``sample_format`` (the inverse of ``VoiceDecoder``)."""
    samples = np.asarray(samples, dtype=np.int16)
    if sample_format is SampleFormat.S16LE:
        return samples.astype("<i2").tobytes()
    if sample_format in _TABLES:
        table = _ENCODE_TABLES.get(sample_format)
        if table is None:
            table = _ENCODE_TABLES[sample_format] = _nearest_code_table(_TABLES[sample_format])
        return table[samples.astype(np.int32) + 32768].tobytes()
    # 8-bit linear: the top byte, rounded (so that decoding gives the nearest level back).
    high = np.clip((samples.astype(np.int32) + 128) >> 8, -128, 127)
    if sample_format is SampleFormat.U8:
        return (high + 128).astype(np.uint8).tobytes()
    return high.astype(np.int8).tobytes()


class VoiceDecoder:
    """Bytes of one sample format in, int16 samples out; keeps a split 16-bit sample."""

    def __init__(self, sample_format: SampleFormat) -> None:
        self.sample_format = sample_format
        self._odd_byte = b""

    def decode(self, data: bytes) -> np.ndarray:
        fmt = self.sample_format
        if fmt is SampleFormat.S16LE:
            data = self._odd_byte + data
            whole = len(data) - len(data) % 2
            self._odd_byte = data[whole:]
            return np.frombuffer(data[:whole], dtype="<i2").astype(np.int16)
        codes = np.frombuffer(data, dtype=np.uint8)
        if fmt in _TABLES:
            return _TABLES[fmt][codes]
        if fmt is SampleFormat.U8:
            return ((codes.astype(np.int16) - 128) << 8).astype(np.int16)
        return (codes.view(np.int8).astype(np.int16) << 8).astype(np.int16)


class FrameAssembler:
    """Cuts a stream of samples into frames of 160; ``flush`` pads the last one with silence."""

    def __init__(self) -> None:
        self._pending = np.zeros(0, dtype=np.int16)

    def add(self, samples: np.ndarray) -> list[np.ndarray]:
        pending = np.concatenate([self._pending, samples]) if self._pending.size else samples
        whole = pending.size - pending.size % FRAME_SAMPLES
        frames = [pending[i : i + FRAME_SAMPLES].copy() for i in range(0, whole, FRAME_SAMPLES)]
        self._pending = pending[whole:].copy()
        return frames

    def flush(self) -> np.ndarray | None:
        if not self._pending.size:
            return None
        frame = np.zeros(FRAME_SAMPLES, dtype=np.int16)
        frame[: self._pending.size] = self._pending
        self._pending = np.zeros(0, dtype=np.int16)
        return frame
