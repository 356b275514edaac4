"""A stored recording, G.711 WAV or Ogg Opus, as blocks of 16-bit PCM at 8 kHz.

Whatever a recording is stored as, the archive worker re-encodes it, the web
decodes it to a WAV for a download, and exports convert it, from the same
stream of blocks: memory stays bounded however long the recording is. WAV
files are decoded with ``dsp_ext.g711``; Ogg Opus files with libsndfile
(``soundfile``), after a look at the file itself (``ogg_opus_info``), so that
a file cut short is an error naming it rather than a short recording. An
encrypted file is decrypted chunk by chunk as it is read, given the key.

With ``samples`` given, the blocks add up to exactly that many samples (the
original's length, as the index keeps it): an Opus decoder may hand back a
few samples more or fewer at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from dsp_ext import g711
from firmware.archive.crypt import DecryptingReader, KeyLockedError, RecordingsKey
from firmware.errors import LinerecError
from firmware.store.recordings import HEADER_READ_BYTES, RecordingError, inspect_wav
from firmware.store.stored_files import (
    StoredFileError,
    format_of,
    is_encrypted,
    ogg_opus_info,
    ogg_opus_info_of,
)
from firmware.store.wavformat import bytes_per_sample, parse_fmt, walk_chunks

BLOCK_SAMPLES = 8000  # one second at a time: small enough to never hold the GIL for long
_DECODERS = {"alaw": g711.alaw_decode, "ulaw": g711.ulaw_decode}


class AudioFileError(LinerecError):
    """A stored recording cannot be decoded; the message names the file and says why."""


def pcm_blocks(
    path: Path, *, samples: int | None = None, block: int = BLOCK_SAMPLES,
    key: RecordingsKey | None = None,
) -> Iterator[np.ndarray]:
    """The recording at ``path`` (its suffix says its format) as int16 blocks; see the
    module's docstring. AudioFileError for a file that is not whole or cannot be read.
    An encrypted file (``firmware.archive.crypt``) is decrypted as it is read with
    ``key``: KeyLockedError without it, WrongKeyError or DamagedFileError."""
    if is_encrypted(path):
        source = _encrypted_blocks(path, block, key)
    elif format_of(path) == "wav":
        source = _wav_blocks(path, block)
    else:
        source = _opus_blocks(path, block)
    if samples is None:
        yield from source
        return
    left = samples
    for data in source:
        if left <= 0:
            break
        yield data[:left]
        left -= min(left, data.size)
    while left > 0:  # a decoder that gave less: silence to the original's length
        size = min(left, block)
        yield np.zeros(size, dtype=np.int16)
        left -= size


def stored_samples(path: Path, key: RecordingsKey | None = None) -> int:
    """How many samples the stored file holds (from its header or last page, not decoded);
    an encrypted one needs ``key`` (KeyLockedError without it)."""
    if is_encrypted(path):
        if key is None:
            raise KeyLockedError(f"{path}: encrypted, and the recordings key is locked")
        with DecryptingReader(path, key) as reader:
            if format_of(path) != "wav":
                try:
                    return ogg_opus_info_of(reader, reader.size, path).samples
                except StoredFileError as error:
                    raise AudioFileError(str(error)) from error
            chunks = walk_chunks(reader.read(HEADER_READ_BYTES))
            if chunks is None or chunks.fmt is None or chunks.data_offset is None:
                raise AudioFileError(f"{path}: no usable WAV header")
            parsed = parse_fmt(chunks.fmt)
            if parsed is None or parsed.encoding is None:
                raise AudioFileError(f"{path}: not a recording format this box writes")
            return max(0, reader.size - chunks.data_offset) // bytes_per_sample(parsed.encoding)
    try:
        if format_of(path) == "wav":
            return inspect_wav(path).samples
        return ogg_opus_info(path).samples
    except (RecordingError, StoredFileError) as error:
        raise AudioFileError(str(error)) from error


def _wav_blocks(path: Path, block: int) -> Iterator[np.ndarray]:
    try:
        info = inspect_wav(path)
    except RecordingError as error:
        raise AudioFileError(str(error)) from error
    width = bytes_per_sample(info.encoding)
    try:
        with path.open("rb") as stream:
            stream.seek(info.data_offset)
            left = info.samples
            while left > 0:
                data = stream.read(min(left, block) * width)
                if not data:
                    raise AudioFileError(f"{path}: ended early (the file shrank while read)")
                whole = len(data) - len(data) % width
                left -= whole // width
                if info.encoding == "pcm16":
                    yield np.frombuffer(data[:whole], dtype="<i2").astype(np.int16)
                else:
                    yield _DECODERS[info.encoding](np.frombuffer(data, dtype=np.uint8))
    except OSError as error:
        raise AudioFileError(f"{path}: cannot read: {error.strerror or error}") from error


def _encrypted_blocks(path: Path, block: int, key: RecordingsKey | None
                      ) -> Iterator[np.ndarray]:
    if key is None:
        raise KeyLockedError(f"{path}: encrypted, and the recordings key is locked")
    try:
        reader = DecryptingReader(path, key)
    except OSError as error:
        raise AudioFileError(f"{path}: cannot read: {error.strerror or error}") from error
    with reader:
        if format_of(path) == "wav":
            yield from _wav_stream_blocks(reader, reader.size, path, block)
        else:
            yield from _opus_blocks(path, block, reader)


def _wav_stream_blocks(stream, size: int, path: Path, block: int) -> Iterator[np.ndarray]:
    chunks = walk_chunks(stream.read(HEADER_READ_BYTES))
    if chunks is None or chunks.fmt is None or chunks.data_offset is None:
        raise AudioFileError(f"{path}: no usable WAV header")
    parsed = parse_fmt(chunks.fmt)
    if parsed is None or parsed.encoding is None:
        raise AudioFileError(f"{path}: not a recording format this box writes")
    width = bytes_per_sample(parsed.encoding)
    stream.seek(chunks.data_offset)
    left = max(0, size - chunks.data_offset) // width
    while left > 0:
        data = stream.read(min(left, block) * width)
        if not data:
            raise AudioFileError(f"{path}: ended early")
        whole = len(data) - len(data) % width
        left -= whole // width
        if parsed.encoding == "pcm16":
            yield np.frombuffer(data[:whole], dtype="<i2").astype(np.int16)
        else:
            yield _DECODERS[parsed.encoding](np.frombuffer(data, dtype=np.uint8))


def _opus_blocks(path: Path, block: int, stream=None) -> Iterator[np.ndarray]:
    try:
        info = (ogg_opus_info(path) if stream is None
                else ogg_opus_info_of(stream, stream.size, path))
    except StoredFileError as error:
        raise AudioFileError(str(error)) from error
    if stream is not None:
        stream.seek(0)
    if info.channels != 1 or info.input_rate != 8000:
        raise AudioFileError(f"{path}: {info.channels} channels at {info.input_rate} Hz, not a "
                             "recording of this box (mono, 8 kHz)")
    import soundfile  # noqa: PLC0415 - libsndfile only where Opus is decoded

    try:
        with soundfile.SoundFile(path if stream is None else stream) as audio:
            if audio.samplerate != 8000 or audio.channels != 1:
                raise AudioFileError(f"{path}: libsndfile decodes it at {audio.samplerate} Hz, "
                                     f"{audio.channels} channels, not 8 kHz mono")
            while True:
                data = audio.read(block, dtype="int16")
                if not data.size:
                    return
                yield data
    except (RuntimeError, soundfile.LibsndfileError) as error:
        raise AudioFileError(f"{path}: cannot decode: {error}") from error
