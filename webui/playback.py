"""Stored recordings as people get them back: the file behind an index row, and its sound
as 16-bit PCM WAV for a browser.

``recording_file`` turns the relative path the index keeps into the file,
and refuses anything that would leave the recordings folder: absolute
paths, ``..``, and symbolic links pointing out (they are resolved first).
No path a person sends ever reaches it; the web UI looks recordings up by id.

``PcmView`` is a recording as a PCM16 WAV file that exists only virtually:
browsers do not all play G.711 WAV, so A-law and mu-law are decoded on the
fly. Any byte range of the virtual file maps onto the stored samples it
covers, so seeking reads only what it plays. A recording still being
written plays as far as it has got.

``FileView`` is a stored file served as it is, by byte ranges: a recording
compressed to Ogg Opus after the call, which browsers play themselves
(Chromium, Firefox and Safari all play Ogg Opus in an audio element), so the
box sends the small file instead of decoding it.

Both take the unlocked recordings key for a file encrypted at rest
(``firmware.archive.crypt``): the byte ranges asked for are then ranges of
the plaintext, and only the chunks they cover are read and decrypted.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dsp_ext import g711
from firmware.archive.crypt import DecryptingReader, RecordingsKey
from firmware.errors import LinerecError
from firmware.store.wavformat import (
    SAMPLE_RATE,
    UNKNOWN_SIZE,
    bytes_per_sample,
    parse_fmt,
    walk_chunks,
    wav_header,
)

log = logging.getLogger(__name__)

HEAD_BYTES = 64 * 1024  # where the header of any WAV file we accept must end
BLOCK_SAMPLES = 32 * 1024  # samples decoded at a time while streaming
PCM_HEADER = len(wav_header("pcm16", 0))
_DECODERS = {"alaw": g711.alaw_decode, "ulaw": g711.ulaw_decode}


class PlaybackError(LinerecError):
    """A recording cannot be served: its file is gone, unreadable or outside its folder."""


class OutsideRecordingsError(PlaybackError):
    """The index points outside the recordings folder (a tampered row, a symlink out)."""


def recording_file(root: Path, relative: str) -> Path:
    """The existing file ``relative`` names under ``root``, with every link resolved.

    Raises OutsideRecordingsError if it would leave ``root`` (logged: it means
    the index or the folder was tampered with), PlaybackError if it is missing.
    """
    top = Path(root).resolve()
    if not relative or "\0" in relative or Path(relative).is_absolute():
        log.warning("refused the recording path %r: not relative to %s", relative, top)
        raise OutsideRecordingsError(f"recording path {relative!r} is not under the folder")
    try:
        resolved = (top / relative).resolve()  # every existing link followed
    except (OSError, RuntimeError) as error:  # a link loop
        raise PlaybackError(f"recording file {relative!r} cannot be opened: {error}") from error
    if resolved == top or not resolved.is_relative_to(top):
        log.warning("refused the recording path %r: it leads to %s, outside %s",
                    relative, resolved, top)
        raise OutsideRecordingsError(f"recording path {relative!r} leads outside the folder")
    if not resolved.is_file():
        raise PlaybackError(f"recording file {relative!r} is missing")
    return resolved


def open_recording(path: Path):
    """The file for reading, refusing a link swapped in since it was resolved."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as error:
        raise PlaybackError(f"cannot open {path.name}: {error.strerror or error}") from error
    return os.fdopen(descriptor, "rb")


def open_stored(path: Path, key: RecordingsKey | None = None):
    """The stored file, or with ``key`` its plaintext (``DecryptingReader``); CryptError
    (``firmware.archive.crypt``) for an encrypted file that cannot be opened."""
    if key is None:
        return open_recording(path)
    try:
        reader = DecryptingReader(path, key)
    except OSError as error:
        raise PlaybackError(f"cannot open {path.name}: {error.strerror or error}") from error
    try:
        reader.chunk(reader.chunks - 1)  # a file cut at a chunk's end is said now, not later
    except BaseException:
        reader.close()
        raise
    return reader


def _size_of(stream) -> int:
    size = getattr(stream, "size", None)
    return size if size is not None else os.fstat(stream.fileno()).st_size


@dataclass(frozen=True)
class PcmView:
    """A stored recording seen as a PCM16 WAV file of ``size`` bytes."""

    path: Path
    encoding: str  # as stored: pcm16, alaw or ulaw
    data_offset: int  # where the stored audio starts
    samples: int  # whole samples available now
    key: RecordingsKey | None = None  # the file is encrypted at rest

    @property
    def size(self) -> int:
        return PCM_HEADER + 2 * self.samples

    @property
    def seconds(self) -> float:
        return self.samples / SAMPLE_RATE

    def chunks(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Bytes ``start`` to ``end`` (exclusive) of the virtual file, a block at a time."""
        end = self.size if end is None else min(end, self.size)
        if start < PCM_HEADER and start < end:
            yield wav_header("pcm16", self.samples)[start:min(end, PCM_HEADER)]
        start = max(start, PCM_HEADER) - PCM_HEADER  # now in bytes of PCM audio
        end -= PCM_HEADER
        if start >= end:
            return
        stored_width = bytes_per_sample(self.encoding)
        with open_stored(self.path, self.key) as stream:
            position = start
            while position < end:
                first = position // 2
                last = min((end + 1) // 2, first + BLOCK_SAMPLES)  # samples [first, last)
                stream.seek(self.data_offset + first * stored_width)
                stored = stream.read((last - first) * stored_width)
                pcm = self._to_pcm(stored)
                if not pcm:
                    return  # the file got shorter (it cannot, but never loop on it)
                skip = position - 2 * first
                piece = pcm[skip : skip + end - position]
                yield piece
                position += len(piece)

    def _to_pcm(self, stored: bytes) -> bytes:
        if self.encoding == "pcm16":
            return stored[: len(stored) - len(stored) % 2]
        codes = np.frombuffer(stored, dtype=np.uint8)
        if codes.size == 0:
            return b""
        return _DECODERS[self.encoding](codes).astype("<i2").tobytes()


@dataclass(frozen=True)
class StoredAudio:
    """Where the audio is in a stored recording and how much of it there is."""

    encoding: str
    data_offset: int
    samples: int


def stored_audio(path: Path, still_recording: bool, key: RecordingsKey | None = None
                 ) -> StoredAudio:
    """Read a stored recording's header: its encoding and the whole samples it holds.

    A finished file holds what its header says (at most what is on disk); one
    still being written holds everything on disk so far (its header lags by
    up to a second).
    """
    with open_stored(path, key) as stream:
        head = stream.read(HEAD_BYTES)
        size = _size_of(stream)
    chunks = walk_chunks(head)
    if chunks is None or chunks.fmt is None or chunks.data_offset is None:
        raise PlaybackError(f"{path.name} is not a WAV recording")
    parsed = parse_fmt(chunks.fmt)
    encoding = parsed.encoding if parsed else None
    if encoding is None or parsed.channels != 1 or parsed.sample_rate != SAMPLE_RATE:
        raise PlaybackError(f"{path.name} is not an 8 kHz mono PCM16, A-law or mu-law recording")
    present = max(0, size - chunks.data_offset)
    declared = chunks.declared_data_size
    audio_bytes = present
    if not still_recording and declared not in (None, 0, UNKNOWN_SIZE) and declared <= present:
        audio_bytes = declared
    return StoredAudio(encoding, chunks.data_offset, audio_bytes // bytes_per_sample(encoding))


def pcm_view(path: Path, still_recording: bool = False, key: RecordingsKey | None = None
             ) -> PcmView:
    audio = stored_audio(path, still_recording, key)
    return PcmView(path, audio.encoding, audio.data_offset, audio.samples, key)


@dataclass(frozen=True)
class FileView:
    """A stored file as it is, ``size`` bytes, any byte range of it at a time."""

    path: Path
    size: int
    key: RecordingsKey | None = None  # the file is encrypted at rest: its plaintext

    def chunks(self, start: int = 0, end: int | None = None,
               block: int = 256 * 1024) -> Iterator[bytes]:
        end = self.size if end is None else min(end, self.size)
        with open_stored(self.path, self.key) as stream:
            stream.seek(start)
            left = end - start
            while left > 0 and (data := stream.read(min(block, left))):
                left -= len(data)
                yield data


def file_view(path: Path, key: RecordingsKey | None = None) -> FileView:
    with open_stored(path, key) as stream:
        return FileView(path, _size_of(stream), key)


def original_chunks(path: Path, block: int = 256 * 1024, key: RecordingsKey | None = None
                    ) -> Iterator[bytes]:
    """The stored file as it is (with ``key``: its plaintext), a block at a time."""
    with open_stored(path, key) as stream:
        while data := stream.read(block):
            yield data
