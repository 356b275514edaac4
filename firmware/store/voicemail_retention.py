"""Retention of voicemail messages: which ones may go, and marking them deleted.

``firmware.store.retention`` plans and carries out each round; this module is
what differs for a message (the table ``voicemails``, files under
``voicemail/``):

- **By age** (``aged``): a line's messages older than its voicemail
  ``keep_days``; with ``keep_unheard``, only those marked heard.
- **By space** (``oldest_heard``): when the disk is still short of its target
  once no more recordings may go, the oldest messages marked heard. A message
  nobody has heard is never deleted for space: it is small, and still waits
  for someone.

Never deleted: a message under legal hold through its call (the call itself,
or one of its customers: ``call_held_sql``), a message already deleted, and
with ``keep_until_backed_up`` one no backup has copied (``backed_up_at``).

``mark_deleted`` looks at each message again, in the caller's transaction
(a hold placed, a person's deletion, a backup since the plan), and marks
its row (``deleted_at``, ``delete_reason``) with its audit entry, as the
box's own act; the caller removes the file after the transaction, so a kill
in between leaves a deleted row whose file the next round (``leftovers``)
or recovery removes, never a listed message without its file.

Standard library only, like the rest of retention.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from firmware.store.audit import BOX_ACTOR, AuditLog
from firmware.store.db import Store
from firmware.store.files import inside_folder
from firmware.store.legal_hold import call_held_sql


@dataclass(frozen=True)
class MessageDeletion:
    """One voicemail message retention deletes, and why."""

    message_id: int
    line: int
    path: str  # under the voicemail folder
    started_at: float
    size: int  # bytes its file takes on the disk (what deleting frees)
    reason: str
    heard_only: bool  # it goes only while it is marked heard


@dataclass
class Passed:
    """Messages a space pass would have taken but may not: held, or not backed up."""

    held: int = 0
    not_backed_up: int = 0


_CANDIDATES = (
    "SELECT v.id, v.line, v.path, v.started_at, v.heard_at, v.backed_up_at, "
    f"{call_held_sql()} FROM voicemails v LEFT JOIN calls c ON c.id = v.call_id "
    "WHERE v.deleted_at IS NULL {extra} ORDER BY v.started_at, v.id"
)


def inside(root: Path, relative: str) -> Path:
    """The message's file under ``root``; ValueError if the row leads elsewhere."""
    return inside_folder(root, relative, "voicemail path", f"the {root.name} folder")


def size_on_disk(root: Path, relative: str) -> int:
    """What a message's file takes on the disk; 0 when it is not there (nothing to free)."""
    try:
        return inside(root, relative).stat().st_blocks * 512
    except (OSError, ValueError):
        return 0


def aged(
    store: Store, root: Path, *, line: int, before: float, heard_only: bool,
    keep_until_backed_up: bool, reason: str,
) -> list[MessageDeletion]:
    """The messages of ``line`` left before ``before`` that may go by age."""
    rows = store.connection().execute(
        _CANDIDATES.format(extra="AND v.line = ? AND v.started_at < ?"), (line, before)
    ).fetchall()
    return [
        MessageDeletion(row_id, row_line, path, started, size_on_disk(root, path), reason,
                        heard_only)
        for row_id, row_line, path, started, heard, backed_up, held in rows
        if not held and not (heard_only and heard is None)
        and not (keep_until_backed_up and backed_up is None)
    ]


def oldest_heard(
    store: Store, root: Path, *, wanted: int, keep_until_backed_up: bool, reason: str,
    chosen: Iterable[int] = (),
) -> tuple[list[MessageDeletion], Passed]:
    """The oldest heard messages (not among ``chosen``, by id) until ``wanted`` bytes are
    freed; and how many it passed over."""
    taken, passed, freed = [], Passed(), 0
    skip = set(chosen)
    cursor = store.connection().execute(_CANDIDATES.format(extra="AND v.heard_at IS NOT NULL"))
    try:
        for row_id, row_line, path, started, _heard, backed_up, held in cursor:
            if freed >= wanted:
                break
            if row_id in skip:
                continue
            if held:
                passed.held += 1
                continue
            if keep_until_backed_up and backed_up is None:
                passed.not_backed_up += 1
                continue
            size = size_on_disk(root, path)
            taken.append(MessageDeletion(row_id, row_line, path, started, size, reason, True))
            freed += size
    finally:
        cursor.close()
    return taken, passed


def mark_deleted(
    connection: sqlite3.Connection, audit: AuditLog, root: Path, item: MessageDeletion,
    now: float, *, keep_until_backed_up: bool,
) -> Path | None:
    """Mark ``item`` deleted with its audit entry, in the caller's transaction; its file
    (for the caller to remove once the transaction is in), or None when it must stay.
    ValueError for a row whose path leads out of ``root``."""
    row = connection.execute(
        f"SELECT v.deleted_at, v.heard_at, v.backed_up_at, v.sha256, {call_held_sql()} "
        "FROM voicemails v LEFT JOIN calls c ON c.id = v.call_id WHERE v.id = ?",
        (item.message_id,),
    ).fetchone()
    if row is None:
        return None
    deleted_at, heard_at, backed_up_at, sha256, held = row
    if deleted_at is not None or held or (item.heard_only and heard_at is None) or (
        keep_until_backed_up and backed_up_at is None
    ):
        return None
    path = inside(root, item.path)
    connection.execute(
        "UPDATE voicemails SET deleted_at = ?, delete_reason = ? WHERE id = ?",
        (now, item.reason, item.message_id),
    )
    detail = f"{item.reason}; {root.name}/{item.path}; SHA-256 {sha256 or '-'}"
    if not path.exists():
        detail += "; its file was already gone"
    audit.record("retention_deleted", username=BOX_ACTOR, target=f"voicemail {item.message_id}",
                 detail=detail, at=now, within=connection)
    return path


def leftovers(store: Store, root: Path, since: float | None = None) -> list[Path]:
    """The files of messages marked deleted (since ``since``, or ever) still on the disk: a
    deletion cut short, a file that could not be removed, a restore that brought it back."""
    rows = store.connection().execute(
        "SELECT path FROM voicemails WHERE deleted_at IS NOT NULL AND deleted_at >= ?",
        (since if since is not None else float("-inf"),),
    ).fetchall()
    found = []
    for (relative,) in rows:
        try:
            path = inside(root, relative)
        except ValueError:
            continue
        if path.exists():
            found.append(path)
    return found


__all__ = ["MessageDeletion", "Passed", "aged", "leftovers", "mark_deleted", "oldest_heard"]
