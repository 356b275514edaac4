"""Recording files: where they live, how they are written so a power cut loses
at most the last second, and how one cut off by a crash is made valid again.

Layout under the data folder::

    recordings/YYYY/MM/DD/L<line>-<YYYYMMDD>-<HHMMSS>-<id>.wav   the audio
    recordings/YYYY/MM/DD/L<line>-<YYYYMMDD>-<HHMMSS>-<id>.json  its sidecar

The sidecar holds the recording's own facts and its call's, so the index,
calls included, can be rebuilt from the files alone. It is replaced
atomically (temporary file, fsync, rename), so it is always the old or the
new version. Version 2 (written since) keeps the two apart::

    {"version": 2, "line": 1, "started_at": 1003.02, "ended_at": 1010.5,
     "encoding": "alaw", "samples": 59840, "sha256": "...", "state": "complete",
     "call": {"call_id": 7, "direction": "in", "started_at": 1000.0,
              "answered_at": 1003.0, "number": "13800138000", "name": ..., ...}}

``started_at`` and ``ended_at`` are the recording's (Unix time, line time);
``state`` is ``recording`` while it is written, then ``complete``, or
``repaired`` after a crash; ``call`` is null for a recording outside a call.
``marks``, when there are any, say where something the box did sounds in the
audio: ``[{"kind": "announcement", "start_s": 0.02, "end_s": 3.6}]``.
Once the recording is compressed after the call, its WAV is replaced by an
Ogg Opus file of the same name (``.opus``, or ``.oga`` in the long-archive
tier) and the sidecar gains ``stored``, that file's facts; the rest stays
the original's (``firmware.store.stored_files``).
Version 1 spread the call's facts over the document itself, so its
``started_at`` is the call's start, not the recording's (``recovery`` reads
both).

The WAV header is brought up to date and the file fsynced at least once a
second while recording; after a crash ``repair`` extends the header over
every whole sample that reached the disk. The recorder repairs a file itself
after a write error; ``recovery`` repairs the rest at start-up and makes the
files and the index agree.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from audio_format import SAMPLE_RATE
from firmware.store.files import make_folders, write_atomically
from firmware.store.wavformat import (
    ENCODINGS,
    bytes_per_sample,
    parse_fmt,
    size_fields,
    walk_chunks,
    wav_header,
)

log = logging.getLogger(__name__)

SIDECAR_VERSION = 2
SYNC_INTERVAL_S = 1.0
HEADER_READ_BYTES = 4096  # more than any header the box writes, with room for odd chunks
# A recording's audio file: the recorder's WAV, or the Ogg Opus file of the standard or the
# long-archive tier that replaces it after the call (firmware.store.stored_files), and each of
# them encrypted at rest (firmware.archive.crypt): one suffix each, so that a recording's files
# share one stem and one sidecar.
RECORDING_SUFFIXES = (".wav", ".opus", ".oga", ".ewav", ".eopus", ".eoga")
# The recording's own keys in a sidecar; in version 1 every other key was the call's.
RECORDING_KEYS = ("version", "line", "started_at", "ended_at", "encoding", "samples", "sha256",
                  "state", "stored", "marks")


class RecordingError(OSError):
    """A recording file could not be written or repaired; the message says which."""


class SidecarError(RecordingError):
    """A sidecar is there but cannot be read as one; the message says why."""


@dataclass
class RecordingFacts:
    """What a recording's sidecar says besides its audio: its line, its own start and
    end, and its call's facts (``call``), which grow as the call goes on."""

    line: int
    started_at: float
    call: dict = field(default_factory=dict)
    ended_at: float | None = None
    # Where something the box did sounds in the audio (the announcement):
    # {"kind", "start_s", "end_s"}, seconds from the first sample.
    marks: list = field(default_factory=list)

    @classmethod
    def from_mapping(cls, facts: Mapping) -> RecordingFacts:
        """``line``, ``started_at``, ``ended_at`` and ``call`` as the recording's; any
        other key is a fact of the call."""
        call = dict(facts.get("call") or {})
        call.update(
            (key, value)
            for key, value in facts.items()
            if key not in ("line", "started_at", "ended_at", "call", "marks")
        )
        started_at = facts.get("started_at")
        return cls(
            line=int(facts.get("line") or 0),
            started_at=time.time() if started_at is None else float(started_at),
            call=call,
            ended_at=facts.get("ended_at"),
            marks=list(facts.get("marks") or []),
        )

    def update(self, call_facts: Mapping) -> None:
        """The call's facts as they are now (at the end: the call's final facts)."""
        self.call.update(call_facts)


def relative_path(
    line: int, started_at: float, recording_tag: str, utc_offset_s: int | None = None
) -> str:
    """Where a recording of ``line`` started at ``started_at`` (Unix time) goes: named
    in the box's local time (``utc_offset_s`` east of UTC, the country's, as the pages
    show it; None: the machine's own time zone)."""
    if utc_offset_s is None:
        local = datetime.fromtimestamp(started_at)
    else:
        local = datetime.fromtimestamp(started_at + utc_offset_s, tz=UTC).replace(tzinfo=None)
    return f"{local:%Y/%m/%d}/L{line}-{local:%Y%m%d-%H%M%S}-{recording_tag}.wav"


def sidecar_path(wav_path: Path) -> Path:
    return wav_path.with_suffix(".json")


def write_json_atomically(path: Path, document: dict) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True)
    write_atomically(path, text.encode("utf-8"))


def read_sidecar(wav_path: Path) -> dict | None:
    """The sidecar of ``wav_path``, or None if it is missing or unreadable."""
    try:
        return load_sidecar(wav_path)
    except SidecarError:
        return None


def load_sidecar(wav_path: Path) -> dict | None:
    """The sidecar of ``wav_path``; None if there is none, SidecarError if it is unreadable."""
    path = sidecar_path(wav_path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise SidecarError(f"{path}: cannot read: {error.strerror or error}") from error
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise SidecarError(f"{path}: not UTF-8 text (byte {error.start})") from error
    except ValueError as error:
        raise SidecarError(f"{path}: not JSON ({error})") from error
    if not isinstance(document, dict):
        raise SidecarError(f"{path}: not a sidecar (a JSON {type(document).__name__})")
    return document


def sidecar_document(
    facts: RecordingFacts, encoding: str, state: str, samples: int, sha256: str | None
) -> dict:
    """The version 2 sidecar of a recording."""
    call = {key: value for key, value in facts.call.items() if key != "line"}
    document = {
        "version": SIDECAR_VERSION,
        "line": facts.line,
        "started_at": facts.started_at,
        "ended_at": facts.ended_at,
        "encoding": encoding,
        "state": state,
        "samples": samples,
        "sha256": sha256,
        "call": call or None,
    }
    if facts.marks:
        document["marks"] = [dict(mark) for mark in facts.marks]
    return document


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class RecordingFile:
    """One recording being written: encoded audio bytes in, a valid WAV on disk.

    ``append`` takes audio already in ``encoding`` (whole samples). The header
    and sidecar are brought up to date and the file fsynced whenever
    ``sync_interval`` has passed, so a power cut loses at most that much.
    """

    root: Path  # the recordings folder
    relative: str  # path under root, from relative_path()
    encoding: str
    # The line, the recording's start and its call's facts (a plain mapping is read
    # as RecordingFacts.from_mapping does); ``metadata.update`` takes the call's
    # facts as they change.
    metadata: RecordingFacts | Mapping
    sync_interval: float = SYNC_INTERVAL_S
    clock: Callable[[], float] = time.monotonic
    samples: int = field(init=False, default=0)
    _synced_samples: int = field(init=False, default=0)
    _last_sync: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        if self.encoding not in ENCODINGS:
            raise ValueError(f"unknown encoding {self.encoding!r}; use one of {sorted(ENCODINGS)}")
        if not isinstance(self.metadata, RecordingFacts):
            self.metadata = RecordingFacts.from_mapping(self.metadata)
        self.path = self.root / self.relative
        make_folders(self.path.parent)  # a new day's folder survives a power cut too
        self._sample_bytes = bytes_per_sample(self.encoding)
        self._stream = self.path.open("xb")  # never overwrite an existing recording
        try:
            self._stream.write(wav_header(self.encoding, 0))
            # The sidecar's atomic write fsyncs the folder after its rename, so the new
            # WAV file's name, made before it, is on the disk once it returns.
            self._write_sidecar("recording")
            self._sync_file()
        except OSError:
            # Nothing was recorded yet: leave no half-made file behind (a full disk).
            with contextlib.suppress(OSError):
                self._stream.close()
            for leftover in (sidecar_path(self.path), self.path):
                with contextlib.suppress(OSError):
                    leftover.unlink()
            raise
        self._last_sync = self.clock()

    def append(self, audio: bytes) -> None:
        if len(audio) % self._sample_bytes:
            raise ValueError(f"{len(audio)} bytes is not a whole number of {self.encoding} samples")
        self._stream.write(audio)
        self.samples += len(audio) // self._sample_bytes
        if self.clock() - self._last_sync >= self.sync_interval:
            self.sync()

    def sync(self) -> None:
        """Header to the current length and everything on the disk (the sidecar is
        written at the start and at the end, not here)."""
        if self.samples != self._synced_samples:
            self._patch_header()
            self._sync_file()
            self._synced_samples = self.samples
        self._last_sync = self.clock()

    def close(self, ended_at: float | None = None) -> str:
        """Finish the file; return its SHA-256. The sidecar says "complete"."""
        self._patch_header()
        self._sync_file()
        self._stream.close()
        sha256 = file_sha256(self.path)
        self.metadata.ended_at = ended_at or time.time()
        self._write_sidecar("complete", sha256)
        return sha256

    def abandon(self) -> None:
        """Stop after a write error (a full disk): keep what reached the disk, valid."""
        with contextlib.suppress(OSError):
            self._stream.close()
        with contextlib.suppress(OSError):
            repair(self.path)

    def _patch_header(self) -> None:
        self._stream.flush()
        end = self._stream.tell()
        for offset, value in size_fields(self.encoding, self.samples):
            self._stream.seek(offset)
            self._stream.write(value)
        self._stream.seek(end)

    def _sync_file(self) -> None:
        self._stream.flush()
        os.fsync(self._stream.fileno())

    def _write_sidecar(self, state: str, sha256: str | None = None) -> None:
        document = sidecar_document(self.metadata, self.encoding, state, self.samples, sha256)
        write_json_atomically(sidecar_path(self.path), document)


@dataclass(frozen=True)
class RepairResult:
    path: Path
    samples: int
    changed: bool  # the header or the length had to be fixed
    sha256: str


def repair(wav_path: Path, encoding: str | None = None) -> RepairResult:
    """Make a recording cut off by a crash a valid file again.

    Keeps every whole sample that reached the disk: the header's sizes are set
    to the audio actually present and a trailing partial sample is cut off.
    An empty file (killed before its header reached the disk) gets a header
    with no audio when its ``encoding`` is known. The sidecar, if there is one,
    is marked "repaired" with the new length (and, in version 2, its end).
    """
    try:
        with wav_path.open("r+b") as stream:
            blob = stream.read()
            header_written = not blob and encoding is not None
            if header_written:
                blob = wav_header(encoding, 0)
                stream.write(blob)
            chunks = walk_chunks(blob)
            if chunks is None or chunks.fmt is None or chunks.data_offset is None:
                raise RecordingError(f"{wav_path}: no usable WAV header; the audio is lost")
            parsed = parse_fmt(chunks.fmt)
            encoding = parsed.encoding if parsed else None
            if encoding is None:
                raise RecordingError(f"{wav_path}: not a recording format this box writes")
            sample_bytes = bytes_per_sample(encoding)
            present = len(blob) - chunks.data_offset
            samples = present // sample_bytes
            audio_end = chunks.data_offset + samples * sample_bytes
            fields_now = size_fields(encoding, samples)
            changed = header_written or audio_end != len(blob) or any(
                blob[offset : offset + len(value)] != value for offset, value in fields_now
            )
            if changed:
                stream.truncate(audio_end)
                for offset, value in fields_now:
                    stream.seek(offset)
                    stream.write(value)
                stream.flush()
                os.fsync(stream.fileno())
    except OSError as error:
        if isinstance(error, RecordingError):
            raise
        raise RecordingError(f"{wav_path}: cannot repair: {error.strerror or error}") from error
    sha256 = file_sha256(wav_path)
    sidecar = read_sidecar(wav_path)
    if sidecar is not None and (changed or sidecar.get("state") != "complete"):
        sidecar.update(state="repaired", samples=samples, sha256=sha256)
        if sidecar.get("version") == SIDECAR_VERSION and isinstance(
            sidecar.get("started_at"), int | float
        ):
            sidecar["ended_at"] = sidecar["started_at"] + samples / SAMPLE_RATE
        try:
            write_json_atomically(sidecar_path(wav_path), sidecar)
        except OSError as error:
            # The audio is whole; the old sidecar stays (it is replaced atomically)
            # and the index holds the truth until there is room to write it.
            log.warning("%s: sidecar not updated: %s", wav_path, error.strerror or error)
    return RepairResult(wav_path, samples, changed, sha256)


@dataclass(frozen=True)
class WavInfo:
    encoding: str
    samples: int  # whole samples on the disk, whatever the header says
    data_offset: int = field(default=0, compare=False)  # where the audio starts in the file


def inspect_wav(wav_path: Path) -> WavInfo:
    """A recording's encoding and length from its header and size, without reading its audio.

    Raises RecordingError when there is no header this box writes (an empty file too).
    """
    try:
        size = wav_path.stat().st_size
        with wav_path.open("rb") as stream:
            head = stream.read(HEADER_READ_BYTES)
    except OSError as error:
        raise RecordingError(f"{wav_path}: cannot read: {error.strerror or error}") from error
    chunks = walk_chunks(head)
    if chunks is None or chunks.fmt is None or chunks.data_offset is None:
        raise RecordingError(f"{wav_path}: no usable WAV header")
    parsed = parse_fmt(chunks.fmt)
    if parsed is None or parsed.encoding is None:
        raise RecordingError(f"{wav_path}: not a recording format this box writes")
    samples = max(0, size - chunks.data_offset) // bytes_per_sample(parsed.encoding)
    return WavInfo(parsed.encoding, samples, chunks.data_offset)


def recording_files(root: Path) -> Iterator[Path]:
    """Every recording under ``root``, in path order (which is time order per line): the
    recorder's WAV files and the Ogg Opus files that replace them after the call
    (``firmware.store.stored_files``)."""
    if root.is_dir():
        yield from sorted(
            path for path in root.glob("*/*/*/*")
            if path.suffix in RECORDING_SUFFIXES and path.is_file()
        )
