"""WAV files as the box's DSP tools take them: 8 kHz mono, 16-bit linear, A-law or mu-law.

``read_wav`` always hands back 16-bit linear samples (G.711 files are decoded
with ``dsp_ext.g711``) and keeps the G.711 codes as they were stored.
Anything else (stereo, another rate, ADPCM, a file that is not a WAV at all)
is refused with a ``WavError`` whose one-line message names the file and
what was wrong with it.

A data chunk that runs past the end of the file, as a recording cut off by a
power failure leaves it, is read up to the last whole sample and flagged
``truncated``.

``open_wav`` reads only the header and hands the audio out a block at a time
(``WavReader.blocks``), so a file of any length is taken in bounded memory;
``read_wav`` gathers it whole, for the files of a few minutes most callers
have. Only regular files are read: a device (``/dev/zero``), a folder or a
pipe is refused with its kind named. ``WavWriter`` writes a file a block at a
time and puts it in place whole when it is closed.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dsp_ext import g711
from firmware.errors import LinerecError
from firmware.store.files import fsync_directory
from firmware.store.wavformat import (
    CHUNK_HEADER,
    ENCODINGS,
    SAMPLE_RATE,
    UNKNOWN_SIZE,
    bytes_per_sample,
    parse_fmt,
    size_fields,
    wav_header,
)

__all__ = [
    "ENCODINGS",
    "SAMPLE_RATE",
    "WavAudio",
    "WavError",
    "WavReader",
    "WavWriter",
    "open_wav",
    "read_wav",
    "write_wav",
]

BLOCK_SAMPLES = 30 * SAMPLE_RATE  # what a block holds: half a minute, under a megabyte
HEAD_BYTES = 64 * 1024  # every header worth reading ends before this

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


@dataclass
class WavReader:
    """A WAV file's format and where its audio is; ``blocks`` reads the audio."""

    path: Path
    encoding: str
    data_offset: int
    samples: int  # whole samples present
    truncated: bool  # the data chunk ended early (the file was cut off)

    @property
    def seconds(self) -> float:
        return self.samples / SAMPLE_RATE

    def blocks(self, block_samples: int = BLOCK_SAMPLES) -> Iterator[np.ndarray]:
        """The audio as int16 linear samples, ``block_samples`` at a time."""
        for codes in self.raw_blocks(block_samples):
            yield _decode(codes, self.encoding)

    def raw_blocks(self, block_samples: int = BLOCK_SAMPLES) -> Iterator[bytes]:
        """The audio as stored (PCM16 bytes, or G.711 codes), ``block_samples`` at a time."""
        width = bytes_per_sample(self.encoding)
        try:
            with self.path.open("rb") as stream:
                stream.seek(self.data_offset)
                left = self.samples
                while left:
                    take = min(left, block_samples)
                    data = stream.read(take * width)
                    if len(data) < take * width:
                        raise WavError(self.path, "the file got shorter while it was read")
                    left -= take
                    yield data
        except OSError as error:
            raise WavError(self.path, f"cannot read: {error.strerror or error}") from error


def _decode(data: bytes, encoding: str) -> np.ndarray:
    if encoding == "pcm16":
        return np.frombuffer(data, dtype="<i2").astype(np.int16)
    codes = np.frombuffer(data, dtype=np.uint8)
    if codes.size == 0:
        return np.zeros(0, dtype=np.int16)
    return g711.alaw_decode(codes) if encoding == "alaw" else g711.ulaw_decode(codes)


def _regular_file(path: Path) -> int:
    """The file's size; a WavError for what is not a regular file (or not there)."""
    try:
        info = path.stat()
    except OSError as error:
        raise WavError(path, f"cannot read: {error.strerror or error}") from error
    if stat.S_ISDIR(info.st_mode):
        raise WavError(path, "a folder, not a WAV file")
    if not stat.S_ISREG(info.st_mode):
        kind = "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else (
            "a pipe or socket")
        raise WavError(path, f"{kind}, not a file; expected a WAV file")
    return info.st_size


def open_wav(path: str | os.PathLike) -> WavReader:
    """The header of an 8 kHz mono PCM16, A-law or mu-law WAV file, checked."""
    path = Path(path)
    size = _regular_file(path)
    try:
        with path.open("rb") as stream:
            head = stream.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                kind = "empty" if not head else "not a RIFF/WAVE file"
                raise WavError(
                    path, f"{kind}; expected a WAV file (8 kHz mono, PCM16, A-law or mu-law)"
                )
            fmt, data_offset, declared = _find_chunks(stream, size)
    except OSError as error:
        raise WavError(path, f"cannot read: {error.strerror or error}") from error
    encoding = _check_format(path, fmt)
    if data_offset is None:
        raise WavError(path, "no data chunk")
    present = size - data_offset
    # A size past the end, all ones, or zero with audio behind it is what a writer that
    # never finished its header leaves.
    unfinished = declared > present or declared == UNKNOWN_SIZE or (declared == 0 and present)
    data_bytes = present if unfinished else declared
    width = bytes_per_sample(encoding)
    samples = data_bytes // width
    return WavReader(path, encoding, data_offset, samples, unfinished or data_bytes % width != 0)


def _find_chunks(stream, size: int) -> tuple[bytes | None, int | None, int]:
    """The fmt chunk, and where the data chunk's audio starts and its declared size."""
    fmt = None
    offset = 12
    while offset + CHUNK_HEADER.size <= min(size, HEAD_BYTES + CHUNK_HEADER.size):
        stream.seek(offset)
        chunk_id, chunk_size = CHUNK_HEADER.unpack(stream.read(CHUNK_HEADER.size))
        start = offset + CHUNK_HEADER.size
        if chunk_id == b"data":
            return fmt, start, chunk_size
        if chunk_id == b"fmt ":
            fmt = stream.read(min(chunk_size, 256))
        offset = start + chunk_size + (chunk_size & 1)
    return fmt, None, 0


def read_wav(path: str | os.PathLike) -> WavAudio:
    """Read an 8 kHz mono PCM16, A-law or mu-law WAV file whole."""
    reader = open_wav(path)
    raw = b"".join(reader.raw_blocks())
    samples = _decode(raw, reader.encoding)
    codes = None if reader.encoding == "pcm16" else np.frombuffer(raw, dtype=np.uint8).copy()
    return WavAudio(samples, reader.encoding, SAMPLE_RATE, codes, reader.truncated)


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
    samples = np.asarray(samples)
    if samples.dtype != np.int16 or samples.ndim != 1:
        raise ValueError(
            f"write_wav needs a 1-D int16 array, got {samples.dtype} of shape {samples.shape}"
        )
    with WavWriter(path, encoding) as writer:
        writer.write(samples)


class WavWriter:
    """An 8 kHz mono WAV file written a block at a time; in place, whole, once closed.

    A target that cannot be written (a missing folder, a folder, no permission,
    a full disk) is a WavError naming it, never a half-written file.
    """

    def __init__(self, path: str | os.PathLike, encoding: str = "pcm16") -> None:
        self.path = Path(path)
        if encoding not in ENCODINGS:
            raise ValueError(f"unknown encoding {encoding!r}; use one of {sorted(ENCODINGS)}")
        self.encoding = encoding
        self.samples = 0
        if self.path.is_dir():
            raise WavError(self.path, "a folder; give the name of the file to write")
        try:
            descriptor, temporary = tempfile.mkstemp(
                dir=self.path.parent, prefix=f".{self.path.name}."
            )
        except OSError as error:
            raise self._cannot(error) from error
        self._temporary = Path(temporary)
        self._stream = os.fdopen(descriptor, "wb")
        self._write(wav_header(encoding, 0))

    def write(self, samples: np.ndarray) -> None:
        self._write(encode_samples(samples, self.encoding))
        self.samples += samples.size

    def close(self) -> None:
        """Complete the header and put the file in place."""
        try:
            data_bytes = self.samples * bytes_per_sample(self.encoding)
            if data_bytes & 1:
                self._stream.write(b"\0")  # RIFF chunks are padded to an even size
            for offset, value in size_fields(self.encoding, self.samples):
                self._stream.seek(offset)
                self._stream.write(value)
            self._stream.flush()
            os.fsync(self._stream.fileno())
            self._stream.close()
            os.replace(self._temporary, self.path)
            fsync_directory(self.path.parent)
        except OSError as error:
            self.abandon()
            raise self._cannot(error) from error

    def abandon(self) -> None:
        with contextlib.suppress(OSError):
            self._stream.close()
        self._temporary.unlink(missing_ok=True)

    def __enter__(self) -> WavWriter:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self.abandon()

    def _write(self, data: bytes) -> None:
        try:
            self._stream.write(data)
        except OSError as error:
            self.abandon()
            raise self._cannot(error) from error

    def _cannot(self, error: OSError) -> WavError:
        return WavError(self.path, f"cannot write: {error.strerror or error}")
