"""WAV files as the box's DSP tools take them: 8 kHz mono, 16-bit linear, A-law or mu-law.

``read_wav`` always hands back 16-bit linear samples (G.711 files are decoded
with ``dsp_ext.g711``) and keeps the G.711 codes as they were stored.
Anything else (stereo, another rate, ADPCM, a file that is not a WAV at all)
is refused with a ``WavError`` whose one-line message names the file and
what was wrong with it.

A data chunk that runs past the end of the file, as a recording cut off by a
power failure leaves it, is read up to the last whole sample and flagged
``truncated``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dsp_ext import g711
from firmware.errors import LinerecError
from firmware.store.files import write_atomically
from firmware.store.wavformat import ENCODINGS, SAMPLE_RATE, parse_fmt, walk_chunks, wav_header

__all__ = ["ENCODINGS", "SAMPLE_RATE", "WavAudio", "WavError", "read_wav", "write_wav"]

# Format tags people meet in practice, so the error can say what the file is.
_KNOWN_FORMATS = {
    0x0002: "MS ADPCM",
    0x0003: "32-bit float",
    0x0011: "IMA ADPCM",
    0x0031: "GSM 6.10",
    0x0055: "MP3",
}


class WavError(LinerecError, ValueError):
    """A file the DSP tools cannot take; the message says which and why."""

    def __init__(self, path: str | os.PathLike, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = Path(path)
        self.problem = problem


@dataclass(frozen=True)
class WavAudio:
    samples: np.ndarray  # int16, linear
    encoding: str  # "pcm16", "alaw" or "ulaw"
    sample_rate: int
    codes: np.ndarray | None  # uint8 G.711 codes as stored, or None for pcm16
    truncated: bool  # the data chunk ended early (the file was cut off)

    @property
    def seconds(self) -> float:
        return self.samples.size / self.sample_rate


def _format_name(tag: int) -> str:
    name = _KNOWN_FORMATS.get(tag)
    return f"{name} (format 0x{tag:04x})" if name else f"format 0x{tag:04x}"


def _check_format(path: Path, fmt: bytes | None) -> str:
    """The encoding named by a fmt chunk, or a WavError naming every problem."""
    parsed = parse_fmt(fmt) if fmt is not None else None
    if parsed is None:
        raise WavError(path, "no valid fmt chunk")
    encoding = parsed.encoding
    if encoding is None:
        raise WavError(
            path, f"{_format_name(parsed.tag)} is not supported; use PCM16, A-law or mu-law"
        )
    expected_bits = ENCODINGS[encoding][1]
    problems = []
    if parsed.bits != expected_bits:
        problems.append(f"{parsed.bits} bits per sample (expected {expected_bits} for {encoding})")
    if parsed.channels != 1:
        problems.append(f"{parsed.channels} channels (expected mono)")
    if parsed.sample_rate != SAMPLE_RATE:
        problems.append(f"sample rate {parsed.sample_rate} Hz (expected {SAMPLE_RATE} Hz)")
    if problems:
        raise WavError(
            path, "; ".join(problems) + "; convert it, e.g. sox IN -r 8000 -c 1 -b 16 OUT"
        )
    return encoding


def read_wav(path: str | os.PathLike) -> WavAudio:
    """Read an 8 kHz mono PCM16, A-law or mu-law WAV file."""
    path = Path(path)
    try:
        blob = path.read_bytes()
    except OSError as error:
        raise WavError(path, f"cannot read: {error.strerror or error}") from error

    chunks = walk_chunks(blob)
    if chunks is None:
        kind = "empty" if not blob else "not a RIFF/WAVE file"
        raise WavError(path, f"{kind}; expected a WAV file (8 kHz mono, PCM16, A-law or mu-law)")
    encoding = _check_format(path, chunks.fmt)
    if chunks.data_offset is None:
        raise WavError(path, "no data chunk")
    data = blob[chunks.data_offset : chunks.data_offset + chunks.data_size]

    if encoding == "pcm16":
        whole = len(data) - len(data) % 2
        samples = np.frombuffer(data[:whole], dtype="<i2").astype(np.int16)
        truncated = chunks.truncated or whole != len(data)
        return WavAudio(samples, encoding, SAMPLE_RATE, None, truncated)
    codes = np.frombuffer(data, dtype=np.uint8).copy()
    if codes.size == 0:
        samples = np.zeros(0, dtype=np.int16)
    elif encoding == "alaw":
        samples = g711.alaw_decode(codes)
    else:
        samples = g711.ulaw_decode(codes)
    return WavAudio(samples, encoding, SAMPLE_RATE, codes, chunks.truncated)


def encode_samples(samples: np.ndarray, encoding: str) -> bytes:
    """The data chunk's bytes for int16 ``samples`` in ``encoding``."""
    if samples.size == 0:
        return b""
    if encoding == "alaw":
        return g711.alaw_encode(samples).tobytes()
    if encoding == "ulaw":
        return g711.ulaw_encode(samples).tobytes()
    return samples.astype("<i2").tobytes()


def write_wav(path: str | os.PathLike, samples: np.ndarray, encoding: str = "pcm16") -> None:
    """Write int16 ``samples`` as an 8 kHz mono WAV file in ``encoding``.

    The file appears whole or not at all: it is written beside the target,
    flushed to disk and renamed over it.
    """
    path = Path(path)
    samples = np.asarray(samples)
    if samples.dtype != np.int16 or samples.ndim != 1:
        raise ValueError(
            f"write_wav needs a 1-D int16 array, got {samples.dtype} of shape {samples.shape}"
        )
    payload = wav_header(encoding, samples.size) + encode_samples(samples, encoding)
    if len(payload) & 1:
        payload += b"\0"  # RIFF chunks are padded to an even size
    write_atomically(path, payload)
