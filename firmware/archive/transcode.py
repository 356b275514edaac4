"""One recording's stored file replaced by its Ogg Opus file, in steps a kill at any moment
leaves recoverable.

The steps, for a recording whose file is ``X.wav`` (or ``X.opus`` going to
the long-archive tier, ``X.oga``; ``firmware.store.stored_files``):

1. ``verify_source``: the file is still the one the index holds (its
   SHA-256); a file that changed is left alone, for the integrity check;
2. ``write_partial``: decoded and encoded into ``.X.opus.partial``, flushed
   and fsynced, then checked to be whole and as long as the original;
3. ``put_in_place``: renamed to ``X.opus``, the folder fsynced;
4. ``commit``: one short transaction: the recording checked again (still
   finished, same file, not under legal hold), the stored file appended to
   the hash chain, the row pointed at it with its facts, the audit log told;
5. ``point_sidecar``: the sidecar rewritten (atomically) with ``stored``;
6. ``remove_source``: ``X.wav`` removed, the folder fsynced.

Until step 4 the recording is its old file: a kill leaves at most a
temporary file, or an Opus file nothing points at, which recovery removes.
From step 4 on it is the new file: a kill leaves the old file beside it, and
a sidecar maybe not yet updated, which recovery finishes
(``recovery.transcodes``). Nothing else writes the recording meanwhile, and
a deletion by retention or a hold placed during steps 1-3 makes step 4 give
up and remove the new file.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from firmware.archive.audio import AudioFileError, pcm_blocks
from firmware.archive.opus import OggOpusWriter, OpusEncodeError, OpusSettings
from firmware.errors import LinerecError
from firmware.store import chain
from firmware.store.audit import BOX_ACTOR, AuditLog, structured_detail
from firmware.store.db import RecordingRecord, Store
from firmware.store.files import fsync_directory
from firmware.store.legal_hold import held_sql
from firmware.store.recordings import SidecarError, file_sha256, load_sidecar
from firmware.store.retention import _inside as inside_recordings
from firmware.store.stored_files import (
    StoredFacts,
    StoredFileError,
    ogg_opus_info,
    partial_name,
    record_stored,
    save_sidecar,
    stored_facts_of,
    stored_name,
    with_stored,
)

log = logging.getLogger(__name__)

FINISHED = ("complete", "repaired")
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


class TranscodeError(LinerecError):
    """A recording could not be transcoded; the message names it and says why."""


class DiskFullError(TranscodeError):
    """No room on the disk for the new file: nothing changed."""


class SupersededError(TranscodeError):
    """The recording changed while it was transcoded (deleted, held): nothing changed."""


class CancelledError(TranscodeError):
    """Asked to stop (the engine stops) before the new file was whole: nothing changed."""


@dataclass(frozen=True)
class Transcoded:
    recording_id: int
    tier: str
    source: str  # the old file, under the recordings folder
    path: str  # the new one
    facts: StoredFacts
    seconds: float  # of audio
    elapsed_s: float  # what it took


def transcode(
    store: Store,
    root: Path,
    row: RecordingRecord,
    tier: str,
    settings: OpusSettings,
    *,
    now: float | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> Transcoded:
    """Replace ``row``'s stored file by its Ogg Opus file of ``tier`` (the module's steps).

    Raises DiskFullError (nothing changed), SupersededError (nothing changed),
    CancelledError when ``cancelled()`` turns true while the new file is written (nothing
    changed), or TranscodeError for a file that cannot be read, decoded or written. A
    failure after the commit (the sidecar or the old file could not be
    written or removed) is logged and left for ``finish`` (and recovery).
    """
    started = time.monotonic()
    now = time.time() if now is None else now
    try:
        source = inside_recordings(root, row.path)
    except ValueError as error:
        raise TranscodeError(f"recording {row.id}: {error}") from None
    target = stored_name(source, tier)
    if target == source:
        raise TranscodeError(f"recording {row.id} is already stored as {source.name}")
    verify_source(source, row)
    partial = partial_name(target)
    sha256, size = write_partial(source, partial, row, tier, settings, cancelled=cancelled)
    put_in_place(partial, target)
    relative = target.relative_to(root).as_posix()
    facts = StoredFacts(target.name, "opus", tier, sha256, size, settings.bitrate_kbps, now)
    try:
        updated = commit(store, row, relative, facts, now)
    except BaseException:
        # Not recorded: the new file is nobody's. Remove it, so the old one stays alone.
        with contextlib.suppress(OSError):
            target.unlink()
        raise
    finish(store, root, updated, source)
    return Transcoded(row.id, tier, row.path, relative, facts, row.samples / 8000,
                      time.monotonic() - started)


def verify_source(source: Path, row: RecordingRecord) -> None:
    """Step 1: the file is the one the index holds."""
    expected = row.file_sha256
    if not expected:
        raise TranscodeError(f"{source}: the index holds no SHA-256 for it; left as it is")
    try:
        actual = file_sha256(source)
    except OSError as error:
        raise TranscodeError(f"{source}: cannot read: {error.strerror or error}") from error
    if actual != expected:
        raise TranscodeError(
            f"{source}: its SHA-256 is not the one in the index (the file changed since it "
            "was stored); left as it is for the integrity check"
        )


class _HashingFile:
    """Writes through to a file, hashing and counting what it writes."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.stream.write(data)
        self.digest.update(data)
        self.size += len(data)
        return len(data)


def write_partial(
    source: Path, partial: Path, row: RecordingRecord, tier: str, settings: OpusSettings,
    *, cancelled: Callable[[], bool] = lambda: False,
) -> tuple[str, int]:
    """Step 2: the Opus file under its temporary name, on the disk and checked; its SHA-256
    and size. Leaves nothing behind on an error."""
    comments = {"LINEREC_TIER": tier, "LINEREC_ORIGINAL_SHA256": row.sha256 or "",
                "LINEREC_SETTINGS": settings.describe()}
    try:
        with partial.open("wb") as stream:
            hashing = _HashingFile(stream)
            with OggOpusWriter(hashing, settings, comments) as writer:
                for block in pcm_blocks(source, samples=row.samples):
                    if cancelled():
                        raise CancelledError(f"{source}: stopped before it was compressed")
                    writer.write(block)
                writer.finish()
            stream.flush()
            os.fsync(stream.fileno())
        written = ogg_opus_info(partial)
        if written.samples != row.samples:
            raise TranscodeError(f"{partial}: holds {written.samples} samples, the original "
                                 f"{row.samples}; not used")
    except BaseException as error:
        with contextlib.suppress(OSError):
            partial.unlink()
        if isinstance(error, OSError) and error.errno in DISK_FULL:
            raise DiskFullError(f"{partial.parent}: the disk is full: "
                                f"{error.strerror or error}") from error
        if isinstance(error, (AudioFileError, OpusEncodeError, StoredFileError)):
            raise TranscodeError(str(error)) from error
        if isinstance(error, OSError):
            raise TranscodeError(f"{partial}: cannot write: {error.strerror or error}") from error
        raise
    return hashing.digest.hexdigest(), hashing.size


def put_in_place(partial: Path, target: Path) -> None:
    """Step 3: the whole file under its own name, the rename on the disk."""
    try:
        os.replace(partial, target)
        fsync_directory(target.parent)
    except OSError as error:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise TranscodeError(f"{target}: cannot put in place: {error.strerror or error}") from error


def commit(
    store: Store, row: RecordingRecord, relative: str, facts: StoredFacts, now: float
) -> RecordingRecord:
    """Step 4: the index points at the new file (with the chain and the audit log), in one
    transaction; SupersededError if the recording changed meanwhile."""
    try:
        with store.transaction() as connection:
            current = connection.execute(
                f"SELECT r.path, r.state, {held_sql()} FROM recordings r "
                "LEFT JOIN calls c ON c.id = r.call_id WHERE r.id = ?",
                (row.id,),
            ).fetchone()
            if current is None or current[0] != row.path or current[1] not in FINISHED:
                raise SupersededError(f"recording {row.id} changed while it was compressed "
                                      "(deleted or moved): the new file is dropped")
            if current[2]:
                raise SupersededError(f"recording {row.id} was placed under legal hold while "
                                      "it was compressed: it stays as recorded")
            chain.append_stored(store, row.id, facts.sha256, facts.format, facts.bytes,
                                path=relative, at=now, within=connection)
            record_stored(connection, row.id, relative, facts)
            AuditLog(store).record(
                "transcoded", username=BOX_ACTOR, target=f"recording {row.id}",
                detail=structured_detail(**{
                    "from": row.path, "to": relative, "tier": facts.tier,
                    "kbps": facts.bitrate_kbps, "bytes": facts.bytes, "sha256": facts.sha256,
                    "original_sha256": row.sha256,
                }),
                at=now, within=connection,
            )
    except sqlite3.Error as error:
        raise TranscodeError(f"recording {row.id}: the index cannot be written: {error}; "
                             "the new file is dropped") from error
    updated = store.recording(row.id)
    if updated is None:
        raise SupersededError(f"recording {row.id} vanished from the index")
    return updated


def finish(store: Store, root: Path, row: RecordingRecord, source: Path) -> bool:
    """Steps 5 and 6, for a row already pointing at its new file: the sidecar says so, then
    the old file goes. True when both are done; on an error it is logged, the old file
    stays, and a later call (or recovery) finishes."""
    current = store.recording(row.id)
    if current is None or current.state == "deleted" or current.path != row.path:
        # Retention deleted it meanwhile: its old file is a leftover of it too.
        try:
            remove_source(source)
        except OSError as error:
            log.warning("%s: cannot remove it: %s", source, error.strerror or error)
            return False
        return True
    new_file = root / row.path
    try:
        point_sidecar(store, row, new_file)
    except OSError as error:
        log.warning("%s: compressed, but its sidecar cannot be written yet (%s); %s stays "
                    "until it is", new_file, error.strerror or error, source.name)
        return False
    try:
        remove_source(source)
    except OSError as error:
        log.warning("%s: compressed, but the old file cannot be removed yet: %s", source,
                    error.strerror or error)
        return False
    return True


def point_sidecar(store: Store, row: RecordingRecord, new_file: Path) -> None:
    """Step 5: the sidecar names the stored file (the sidecar is the same for both files)."""
    facts = stored_facts_of(row)
    if facts is None:
        raise TranscodeError(f"recording {row.id}: the index names no stored file to point at")
    try:
        document = load_sidecar(new_file)
    except SidecarError:
        document = None  # unreadable: written afresh from the index
    save_sidecar(new_file, with_stored(document, store, row, facts))


def remove_source(source: Path) -> None:
    """Step 6: the old file removed, and the removal on the disk."""
    source.unlink(missing_ok=True)
    fsync_directory(source.parent)
