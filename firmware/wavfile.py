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
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dsp_ext import g711
from firmware.errors import LinerecError

SAMPLE_RATE = 8000

FORMAT_PCM = 0x0001
FORMAT_ALAW = 0x0006
FORMAT_ULAW = 0x0007
FORMAT_EXTENSIBLE = 0xFFFE

# encoding name -> (format tag, bits per sample)
ENCODINGS = {
    "pcm16": (FORMAT_PCM, 16),
    "alaw": (FORMAT_ALAW, 8),
    "ulaw": (FORMAT_ULAW, 8),
}
_ENCODING_BY_TAG = {tag: name for name, (tag, _) in ENCODINGS.items()}

# Format tags people meet in practice, so the error can say what the file is.
_KNOWN_FORMATS = {
    0x0002: "MS ADPCM",
    0x0003: "32-bit float",
    0x0011: "IMA ADPCM",
    0x0031: "GSM 6.10",
    0x0055: "MP3",
}

_CHUNK_HEADER = struct.Struct("<4sI")
_FMT = struct.Struct("<HHIIHH")
_UNKNOWN_SIZE = 0xFFFFFFFF  # what a writer that never finished leaves in a size field


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


def _read_chunks(path: Path, blob: bytes) -> tuple[bytes | None, bytes | None, bool]:
    """Return the fmt payload, the data payload and whether data was cut short."""
    if len(blob) < 12 or blob[:4] != b"RIFF" or blob[8:12] != b"WAVE":
        kind = "empty" if not blob else "not a RIFF/WAVE file"
        raise WavError(path, f"{kind}; expected a WAV file (8 kHz mono, PCM16, A-law or mu-law)")
    fmt = data = None
    truncated = False
    offset = 12
    # Walk the chunks to the end of the file rather than trusting the RIFF
    # size, which an interrupted writer leaves stale.
    while offset + _CHUNK_HEADER.size <= len(blob):
        chunk_id, size = _CHUNK_HEADER.unpack_from(blob, offset)
        start = offset + _CHUNK_HEADER.size
        available = len(blob) - start
        if chunk_id == b"data":
            # A size past the end, all ones, or zero with audio behind it is
            # what a writer that never finished its header leaves.
            if size > available or size == _UNKNOWN_SIZE or (size == 0 and available > 0):
                truncated = True
                size = available
            data = blob[start : start + size]
            if fmt is not None:
                break
        elif chunk_id == b"fmt ":
            if size > available:
                raise WavError(path, "the fmt chunk is cut off")
            fmt = blob[start : start + size]
        offset = start + size + (size & 1)
    return fmt, data, truncated


def _check_format(path: Path, fmt: bytes) -> tuple[str, int]:
    """The encoding and rate from a fmt chunk, or a WavError naming every problem."""
    tag, channels, rate, _, _, bits = _FMT.unpack_from(fmt)
    if tag == FORMAT_EXTENSIBLE and len(fmt) >= _FMT.size + 10:
        tag = struct.unpack_from("<H", fmt, _FMT.size + 8)[0]  # first 2 bytes of SubFormat
    encoding = _ENCODING_BY_TAG.get(tag)
    if encoding is None:
        raise WavError(path, f"{_format_name(tag)} is not supported; use PCM16, A-law or mu-law")
    expected_bits = ENCODINGS[encoding][1]
    problems = []
    if bits != expected_bits:
        problems.append(f"{bits} bits per sample (expected {expected_bits} for {encoding})")
    if channels != 1:
        problems.append(f"{channels} channels (expected mono)")
    if rate != SAMPLE_RATE:
        problems.append(f"sample rate {rate} Hz (expected {SAMPLE_RATE} Hz)")
    if problems:
        raise WavError(
            path, "; ".join(problems) + "; convert it, e.g. sox IN -r 8000 -c 1 -b 16 OUT"
        )
    return encoding, rate


def read_wav(path: str | os.PathLike) -> WavAudio:
    """Read an 8 kHz mono PCM16, A-law or mu-law WAV file."""
    path = Path(path)
    try:
        blob = path.read_bytes()
    except OSError as error:
        raise WavError(path, f"cannot read: {error.strerror or error}") from error

    fmt, data, truncated = _read_chunks(path, blob)
    if fmt is None or len(fmt) < _FMT.size:
        raise WavError(path, "no valid fmt chunk")
    if data is None:
        raise WavError(path, "no data chunk")
    encoding, rate = _check_format(path, fmt)

    if encoding == "pcm16":
        whole = len(data) - len(data) % 2
        samples = np.frombuffer(data[:whole], dtype="<i2").astype(np.int16)
        return WavAudio(samples, encoding, rate, None, truncated or whole != len(data))
    codes = np.frombuffer(data, dtype=np.uint8).copy()
    if codes.size == 0:
        samples = np.zeros(0, dtype=np.int16)
    elif encoding == "alaw":
        samples = g711.alaw_decode(codes)
    else:
        samples = g711.ulaw_decode(codes)
    return WavAudio(samples, encoding, rate, codes, truncated)


def wav_header(encoding: str, sample_count: int) -> bytes:
    """The header for ``sample_count`` samples; PCM gets the plain 16-byte fmt chunk,
    G.711 the 18-byte one and a fact chunk, as the format's specification asks."""
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}; use one of {sorted(ENCODINGS)}")
    tag, bits = ENCODINGS[encoding]
    block_align = bits // 8
    data_size = sample_count * block_align
    fmt = _FMT.pack(tag, 1, SAMPLE_RATE, SAMPLE_RATE * block_align, block_align, bits)
    chunks = []
    if tag == FORMAT_PCM:
        chunks.append(_CHUNK_HEADER.pack(b"fmt ", len(fmt)) + fmt)
    else:
        chunks.append(_CHUNK_HEADER.pack(b"fmt ", len(fmt) + 2) + fmt + b"\0\0")
        chunks.append(_CHUNK_HEADER.pack(b"fact", 4) + struct.pack("<I", sample_count))
    chunks.append(_CHUNK_HEADER.pack(b"data", data_size))
    body = b"".join(chunks)
    riff_size = 4 + len(body) + data_size + (data_size & 1)
    return b"RIFF" + struct.pack("<I", riff_size) + b"WAVE" + body


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
    descriptor, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as temp:
            temp.write(payload)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
