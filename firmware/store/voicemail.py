"""Voicemail messages: their WAV files under ``voicemail/`` and their rows.

A message is written once, whole (``write_message``: an 8 kHz 16-bit WAV,
written beside its place, flushed and renamed), then indexed (``add``). The
web lists, plays, marks heard and deletes them through ``Voicemails``, each
read through the reader's line scope. Deleting marks the row (``deleted_at``)
first and then removes the file, as retention does (``firmware.store.retention``):
a kill in between leaves a deleted row whose file retention's next round, or
recovery, removes; never a listed message without its file. The row stays, so
the call log still says the call went to voicemail. Backups copy the files and
set ``backed_up_at`` (``firmware.backup``).
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from firmware.store.db import NoSuchRowError, Store
from firmware.store.files import write_atomically
from firmware.store.scopes import LineScope
from firmware.store.wavformat import wav_header

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Voicemail:
    id: int
    call_id: int | None
    line: int
    number: str | None
    started_at: float
    seconds: float
    path: str  # relative to the data folder's voicemail/
    sha256: str
    heard_at: float | None = None
    heard_by: str | None = None
    deleted_at: float | None = None
    backed_up_at: float | None = None  # a backup verified its file in a target
    delete_reason: str | None = None  # why retention deleted it; None: a person did

    @property
    def new(self) -> bool:
        return self.heard_at is None and self.deleted_at is None


FIELDS = tuple(field.name for field in fields(Voicemail))
_SELECT = f"SELECT {', '.join(FIELDS)} FROM voicemails"


def message_name(line: int, started_at: float) -> str:
    """The message's path under ``voicemail/``: YYYY/MM/line<n>-<YYYYMMDD-HHMMSS>-<ms>.wav
    (UTC: names never collide over a change of summer time)."""
    stamp = time.gmtime(started_at)
    millis = round((started_at % 1) * 1000) % 1000
    return (
        f"{stamp.tm_year:04d}/{stamp.tm_mon:02d}/line{line}-"
        f"{time.strftime('%Y%m%d-%H%M%S', stamp)}-{millis:03d}.wav"
    )


def wav_bytes(audio: np.ndarray) -> bytes:
    samples = np.asarray(audio, dtype="<i2")
    return wav_header("pcm16", samples.size) + samples.tobytes()


def write_message(folder: Path, name: str, audio: np.ndarray) -> tuple[Path, str]:
    """Write the message's WAV at ``folder / name`` atomically; its path and SHA-256."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    data = wav_bytes(audio)
    write_atomically(path, data)
    return path, hashlib.sha256(data).hexdigest()


class Voicemails:
    """The voicemail table, for the engine (``add``) and the web (the rest)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, *, call_id: int | None, line: int, number: str | None, started_at: float,
            seconds: float, path: str, sha256: str) -> int:
        with self.store.transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO voicemails (call_id, line, number, started_at, seconds, path, "
                "sha256) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (call_id, line, number, started_at, seconds, path, sha256),
            )
        return int(cursor.lastrowid)

    def get(self, message_id: int) -> Voicemail | None:
        row = self.store.connection().execute(f"{_SELECT} WHERE id = ?", (message_id,)).fetchone()
        return Voicemail(*row) if row else None

    def by_call(self, call_id: int) -> Voicemail | None:
        row = self.store.connection().execute(
            f"{_SELECT} WHERE call_id = ? ORDER BY id DESC LIMIT 1", (call_id,)
        ).fetchone()
        return Voicemail(*row) if row else None

    def listed(self, scope: LineScope, *, limit: int = 200, only_new: bool = False
               ) -> list[Voicemail]:
        """The messages of the lines in ``scope``, newest first, not those deleted."""
        condition, parameters = scope.condition("line")
        new = " AND heard_at IS NULL" if only_new else ""
        rows = self.store.connection().execute(
            f"{_SELECT} WHERE deleted_at IS NULL{new} AND {condition} "
            "ORDER BY started_at DESC, id DESC LIMIT ?",
            (*parameters, limit),
        )
        return [Voicemail(*row) for row in rows]

    def count_new(self, scope: LineScope) -> int:
        condition, parameters = scope.condition("line")
        row = self.store.connection().execute(
            "SELECT count(*) FROM voicemails WHERE heard_at IS NULL AND deleted_at IS NULL "
            f"AND {condition}",
            parameters,
        ).fetchone()
        return int(row[0])

    def voicemail_calls(self, call_ids: list[int]) -> set[int]:
        """Which of these calls went to voicemail (for the call log)."""
        if not call_ids:
            return set()
        marks = ", ".join("?" for _ in call_ids)
        rows = self.store.connection().execute(
            f"SELECT DISTINCT call_id FROM voicemails WHERE call_id IN ({marks})", call_ids
        )
        return {row[0] for row in rows}

    def mark_heard(self, message_id: int, by: str, at: float | None = None) -> bool:
        """Mark a message heard; False when it already was."""
        with self.store.transaction() as connection:
            cursor = connection.execute(
                "UPDATE voicemails SET heard_at = ?, heard_by = ? "
                "WHERE id = ? AND heard_at IS NULL AND deleted_at IS NULL",
                (at or time.time(), by, message_id),
            )
        return cursor.rowcount == 1

    def delete(self, message_id: int, folder: Path, at: float | None = None) -> None:
        """Mark a message's row deleted, then remove its file (see the module)."""
        with self.store.transaction() as connection:
            row = connection.execute(
                "SELECT path FROM voicemails WHERE id = ? AND deleted_at IS NULL", (message_id,)
            ).fetchone()
            if row is None:
                raise NoSuchRowError(f"no voicemail message {message_id}")
            connection.execute(
                "UPDATE voicemails SET deleted_at = ? WHERE id = ?", (at or time.time(), message_id)
            )
        try:
            (folder / row[0]).unlink(missing_ok=True)
        except OSError as error:
            log.warning("voicemail message %d is deleted, but its file %s is not yet (%s); "
                        "retention removes it", message_id, row[0], error.strerror or error)
