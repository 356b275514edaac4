"""One recording's stored file replaced by its encrypted form, in steps a kill at any moment
leaves recoverable: the same steps as a compression (``firmware.archive.transcode``).

For a recording whose stored file is ``X.wav`` (or ``X.opus``, ``X.oga``;
``firmware.store.stored_files``), to ``X.ewav`` (``X.eopus``, ``X.eoga``):

1. ``verify_source``: the file is still the one the index holds (its SHA-256);
2. ``write_partial``: encrypted to the box's public key into ``.X.ewav.partial``
   (``firmware.archive.crypt``), flushed and fsynced, checked to be as long as
   the plaintext makes it;
3. ``put_in_place``: renamed to ``X.ewav``, the folder fsynced;
4. ``commit``: one transaction: the recording checked again (finished, same
   file), the encrypted file appended to the hash chain (a ``stored`` entry
   with ``encrypted``: the key and the plaintext's SHA-256), the row pointed
   at it, the audit log told;
5. ``point_sidecar``: the sidecar rewritten with ``stored`` naming it;
6. ``remove_source``: the plain file removed, the folder fsynced.

A kill before step 4 leaves the plain file as the recording (recovery removes
the temporary or unrecorded encrypted file); from step 4 on the encrypted file
is the recording and recovery finishes steps 5 and 6 (``recovery.transcodes``).
A recording under legal hold is encrypted too: decrypted, it is the very file
recorded, byte for byte (its SHA-256 is the index's), and the hold keeps it.

Removing the plain file is an unlink: the SD card's blocks are not overwritten
(flash cannot promise that), so the plaintext may stay readable on the raw
card until the blocks are reused. The user guide says so.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from firmware.archive.crypt import (
    CancelledEncryptionError,
    CryptError,
    PublicKey,
    encrypt_stream,
    encrypted_size,
)
from firmware.archive.transcode import (
    DISK_FULL,
    FINISHED,
    CancelledError,
    DiskFullError,
    SupersededError,
    TranscodeError,
    _HashingFile,
    finish,
    put_in_place,
    verify_source,
)
from firmware.store import chain
from firmware.store.audit import BOX_ACTOR, AuditLog, structured_detail
from firmware.store.db import RECORDING_FIELDS, RecordingRecord, Store
from firmware.store.legal_hold import held_sql
from firmware.store.retention import _inside as inside_recordings
from firmware.store.stored_files import (
    ORIGINAL_TIER,
    StoredFacts,
    encrypted_name,
    is_encrypted,
    partial_name,
    record_stored,
    stored_facts_of,
)


@dataclass(frozen=True)
class Encrypted:
    recording_id: int
    source: str
    path: str
    facts: StoredFacts
    elapsed_s: float


def encrypt_recording(
    store: Store,
    root: Path,
    row: RecordingRecord,
    public: PublicKey,
    *,
    now: float | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> Encrypted:
    """Replace ``row``'s stored file by its encrypted form (the module's steps). Raises
    what ``transcode`` raises, with the same promises."""
    started = time.monotonic()
    now = time.time() if now is None else now
    try:
        source = inside_recordings(root, row.path)
    except ValueError as error:
        raise TranscodeError(f"recording {row.id}: {error}") from None
    if row.stored_encrypted or is_encrypted(source):
        raise TranscodeError(f"recording {row.id} is already encrypted ({source.name})")
    target = encrypted_name(source)
    verify_source(source, row)
    partial = partial_name(target)
    sha256, size = write_partial(source, partial, public, cancelled=cancelled)
    put_in_place(partial, target)
    relative = target.relative_to(root).as_posix()
    plain = stored_facts_of(row)
    facts = StoredFacts(
        target.name, row.stored_format, plain.tier if plain else ORIGINAL_TIER, sha256, size,
        plain.bitrate_kbps if plain else 0.0, now, public.fingerprint, row.file_sha256,
    )
    try:
        updated = commit(store, row, relative, facts, now)
    except BaseException:
        with contextlib.suppress(OSError):
            target.unlink()
        raise
    finish(store, root, updated, source)
    return Encrypted(row.id, row.path, relative, facts, time.monotonic() - started)


def write_partial(source: Path, partial: Path, public: PublicKey, *,
                  cancelled: Callable[[], bool] = lambda: False) -> tuple[str, int]:
    """Step 2: the encrypted file under its temporary name, on the disk and checked; its
    SHA-256 and size. Leaves nothing behind on an error."""
    try:
        with source.open("rb") as plain, partial.open("wb") as stream:
            plain_size = os.fstat(plain.fileno()).st_size
            hashing = _HashingFile(stream)
            encrypt_stream(plain, hashing, public, cancelled=cancelled)
            stream.flush()
            os.fsync(stream.fileno())
        if hashing.size != encrypted_size(plain_size) or partial.stat().st_size != hashing.size:
            raise TranscodeError(f"{partial}: {hashing.size} bytes written, "
                                 f"{encrypted_size(plain_size)} expected; not used")
    except BaseException as error:
        with contextlib.suppress(OSError):
            partial.unlink()
        if isinstance(error, CancelledEncryptionError):
            raise CancelledError(f"{source}: stopped before it was encrypted") from None
        if isinstance(error, OSError) and error.errno in DISK_FULL:
            raise DiskFullError(f"{partial.parent}: the disk is full: "
                                f"{error.strerror or error}") from error
        if isinstance(error, CryptError):
            raise TranscodeError(str(error)) from error
        if isinstance(error, OSError):
            raise TranscodeError(f"{partial}: cannot write: {error.strerror or error}") from error
        raise
    return hashing.digest.hexdigest(), hashing.size


def commit(store: Store, row: RecordingRecord, relative: str, facts: StoredFacts,
           now: float) -> RecordingRecord:
    """Step 4: the index points at the encrypted file (with the chain and the audit log),
    in one transaction; SupersededError if the recording changed meanwhile."""
    try:
        with store.transaction() as connection:
            current = connection.execute(
                "SELECT path, state, stored_encrypted FROM recordings WHERE id = ?", (row.id,),
            ).fetchone()
            if (current is None or current[0] != row.path or current[1] not in FINISHED
                    or current[2]):
                raise SupersededError(f"recording {row.id} changed while it was encrypted "
                                      "(deleted or moved): the new file is dropped")
            chain.append_stored(store, row.id, facts.sha256, facts.format, facts.bytes,
                                path=relative, at=now, within=connection,
                                extra=facts.chain_facts())
            record_stored(connection, row.id, relative, facts)
            AuditLog(store).record(
                "encrypted", username=BOX_ACTOR, target=f"recording {row.id}",
                detail=structured_detail(**{
                    "from": row.path, "to": relative, "key": facts.encrypted_key,
                    "bytes": facts.bytes, "sha256": facts.sha256,
                    "plain_sha256": facts.plain_sha256,
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


def _queue_where(now: float, compress_first: bool, compress_failed: frozenset
                 ) -> tuple[str, list]:
    ended = "coalesce(r.ended_at, r.started_at)"
    waits_for_compression = "0"
    if compress_first:
        failed = ", ".join(str(int(rid)) for rid in sorted(compress_failed))
        waits_for_compression = (f"(r.stored_format = 'wav' AND NOT {held_sql()} "
                                 f"AND r.id NOT IN ({failed}))")
    where = (f"r.state IN ('complete', 'repaired') AND r.stored_encrypted IS NULL "
             f"AND {ended} <= ? AND NOT {waits_for_compression}")
    return where, [now]


def plain_left(store: Store) -> int:
    """How many finished recordings are still plain on the disk."""
    return store.connection().execute(
        "SELECT count(*) FROM recordings WHERE state IN ('complete', 'repaired') "
        "AND stored_encrypted IS NULL").fetchone()[0]


def next_waiting(store: Store, now: float, *, compress_first: bool,
                 compress_failed: frozenset = frozenset(), skip: frozenset = frozenset(),
                 limit: int = 1) -> list[RecordingRecord]:
    """The oldest finished recordings waiting to be encrypted. With ``compress_first``
    those compression will take (WAV, not held) wait for it, unless their compression
    failed (``compress_failed``)."""
    where, params = _queue_where(now, compress_first, compress_failed)
    columns = ", ".join(f"r.{name}" for name in RECORDING_FIELDS)
    rows = store.connection().execute(
        f"SELECT {columns} FROM recordings r LEFT JOIN calls c ON c.id = r.call_id "
        f"WHERE {where} ORDER BY r.started_at, r.id LIMIT ?", [*params, limit + len(skip)],
    ).fetchall()
    found = [RecordingRecord(*values) for values in rows]
    return [row for row in found if row.id not in skip][:limit]
