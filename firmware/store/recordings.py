"""Recording files: where they live, how they are written so a power cut loses
at most the last second, and how they are repaired and matched with the index.

Layout under the data folder::

    recordings/YYYY/MM/DD/L<line>-<YYYYMMDD>-<HHMMSS>-<id>.wav   the audio
    recordings/YYYY/MM/DD/L<line>-<YYYYMMDD>-<HHMMSS>-<id>.json  its sidecar

The sidecar holds the call's metadata and the recording's state, so the
index can be rebuilt from the files alone. It is replaced atomically
(temporary file, fsync, rename), so it is always the old or the new version.

The WAV header is brought up to date and the file fsynced at least once a
second while recording; after a crash ``repair`` extends the header over
every whole sample that reached the disk.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from audio_format import SAMPLE_RATE
from firmware.store.db import CALL_FIELDS, Store
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

SIDECAR_VERSION = 1
SYNC_INTERVAL_S = 1.0


class RecordingError(OSError):
    """A recording file could not be written or repaired; the message says which."""


def relative_path(line: int, started_at: float, recording_tag: str) -> str:
    """Where a recording of ``line`` started at ``started_at`` (Unix time) goes."""
    local = datetime.fromtimestamp(started_at)
    return f"{local:%Y/%m/%d}/L{line}-{local:%Y%m%d-%H%M%S}-{recording_tag}.wav"


def sidecar_path(wav_path: Path) -> Path:
    return wav_path.with_suffix(".json")


def write_json_atomically(path: Path, document: dict) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True)
    write_atomically(path, text.encode("utf-8"))


def read_sidecar(wav_path: Path) -> dict | None:
    """The sidecar of ``wav_path``, or None if it is missing or unreadable."""
    try:
        document = json.loads(sidecar_path(wav_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


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
    metadata: dict  # the call's fields and anything else worth keeping
    sync_interval: float = SYNC_INTERVAL_S
    clock: Callable[[], float] = time.monotonic
    samples: int = field(init=False, default=0)
    _synced_samples: int = field(init=False, default=0)
    _last_sync: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        if self.encoding not in ENCODINGS:
            raise ValueError(f"unknown encoding {self.encoding!r}; use one of {sorted(ENCODINGS)}")
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
            for leftover in (self.path, sidecar_path(self.path)):
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
        """Header to the current length, sidecar too, everything on the disk."""
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
        self.metadata["ended_at"] = ended_at or time.time()
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
        document = {
            "version": SIDECAR_VERSION,
            "encoding": self.encoding,
            "state": state,
            "samples": self.samples,
            "sha256": sha256,
            **self.metadata,
        }
        write_json_atomically(sidecar_path(self.path), document)


@dataclass(frozen=True)
class RepairResult:
    path: Path
    samples: int
    changed: bool  # the header or the length had to be fixed
    sha256: str


def repair(wav_path: Path) -> RepairResult:
    """Make a recording cut off by a crash a valid file again.

    Keeps every whole sample that reached the disk: the header's sizes are set
    to the audio actually present and a trailing partial sample is cut off.
    The sidecar, if there is one, is marked "repaired" with the new length.
    """
    try:
        with wav_path.open("r+b") as stream:
            blob = stream.read()
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
            changed = audio_end != len(blob) or any(
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
        try:
            write_json_atomically(sidecar_path(wav_path), sidecar)
        except OSError as error:
            # The audio is whole; the old sidecar stays (it is replaced atomically)
            # and the index holds the truth until there is room to write it.
            log.warning("%s: sidecar not updated: %s", wav_path, error.strerror or error)
    return RepairResult(wav_path, samples, changed, sha256)


def recording_files(root: Path) -> Iterator[Path]:
    """Every recording under ``root``, in path order (which is time order per line)."""
    if root.is_dir():
        yield from sorted(path for path in root.glob("*/*/*/*.wav") if path.is_file())


@dataclass
class ReconcileReport:
    repaired: list[str] = field(default_factory=list)
    indexed: list[str] = field(default_factory=list)  # files the index did not know
    missing: list[str] = field(default_factory=list)  # index rows whose file is gone
    damaged: list[str] = field(default_factory=list)  # files beyond repair, with why

    @property
    def clean(self) -> bool:
        return not (self.repaired or self.indexed or self.missing or self.damaged)


def recover(store: Store, root: Path, now: float) -> tuple[int, ReconcileReport]:
    """What every start does first: close the calls a crash left open, then reconcile.

    Returns how many calls were closed and the reconcile report.
    """
    closed = store.close_unfinished_calls(now)
    return closed, reconcile(store, root)


def reconcile(store: Store, root: Path) -> ReconcileReport:
    """Make the files and the index agree, both ways, after a crash or a restore.

    Files still marked "recording" are repaired; files the index lacks are
    added from their sidecars (with their call, if the database lost it);
    index rows whose file is gone are marked "missing", never deleted.
    """
    report = ReconcileReport()
    on_disk = set()
    for wav_path in recording_files(root):
        relative = wav_path.relative_to(root).as_posix()
        on_disk.add(relative)
        sidecar = read_sidecar(wav_path) or {}
        row = store.recording_by_path(relative)
        needs_repair = sidecar.get("state") not in ("complete", "repaired") or (
            row is not None and row.state == "recording"
        )
        result = None
        if needs_repair:
            try:
                result = repair(wav_path)
            except RecordingError as error:
                report.damaged.append(str(error))
                continue
            report.repaired.append(relative)
            sidecar = read_sidecar(wav_path) or sidecar
        if row is None:
            _index_from_sidecar(store, relative, wav_path, sidecar, result)
            report.indexed.append(relative)
        elif result is not None:
            store.finish_recording(
                row.id,
                ended_at=row.started_at + result.samples / SAMPLE_RATE,
                samples=result.samples,
                sha256=result.sha256,
                state="repaired",
            )
    for row in store.recordings():
        if row.path not in on_disk and row.state != "missing":
            store.set_recording_state(row.id, "missing")
            report.missing.append(row.path)
    return report


def _index_from_sidecar(
    store: Store, relative: str, wav_path: Path, sidecar: dict, result: RepairResult | None
) -> None:
    line = int(sidecar.get("line") or 0) or _line_from_name(wav_path.name)
    started_at = float(sidecar.get("started_at") or wav_path.stat().st_mtime)
    call_id = sidecar.get("call_id")
    if call_id is not None and store.call(int(call_id)) is None:
        call = {key: sidecar[key] for key in CALL_FIELDS if key in sidecar and key != "id"}
        call.setdefault("direction", "in")
        call.setdefault("started_at", started_at)
        call.pop("line", None)
        direction = call.pop("direction")
        call_started = call.pop("started_at")
        call_id = store.start_call(line, direction, call_started, **call)
    samples = result.samples if result else int(sidecar.get("samples") or 0)
    sha256 = result.sha256 if result else sidecar.get("sha256") or file_sha256(wav_path)
    state = "repaired" if result else sidecar.get("state", "complete")
    store.add_recording(
        line=line,
        path=relative,
        encoding=str(sidecar.get("encoding", "pcm16")),
        started_at=started_at,
        call_id=int(call_id) if call_id is not None else None,
        state=state if state in ("complete", "repaired") else "repaired",
        ended_at=started_at + samples / SAMPLE_RATE,
        samples=samples,
        sha256=sha256,
    )


def _line_from_name(name: str) -> int:
    """The line number from a file name such as L3-20261123-101500-42.wav (1 if unreadable)."""
    head = name.split("-", 1)[0]
    return int(head[1:]) if head.startswith("L") and head[1:].isdigit() else 1
