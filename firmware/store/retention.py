"""Retention: which recordings to delete so that the disk never fills, and deleting them;
voicemail messages too.

Circular recording, as a plan and its execution:

1. **By age.** Finished recordings (state ``complete`` or ``repaired``) of a
   line with ``keep_days`` are deleted once they started more than that many
   days ago: "older than 90 days (line 2)".
2. **By space.** While the free space of the recordings' disk is below the
   target, the larger of ``min_free_percent`` of the disk and
   ``min_free_gb``, the oldest finished recordings of any line are deleted
   until the target is met: "disk below 10 % free". When the engine finds
   the disk nearly full (under its emergency floor, or a write failed) the
   same is done at once: "emergency: disk nearly full".

Given the voicemail folder (``voicemail``), a round also deletes voicemail
messages (``firmware.store.voicemail_retention``): a line's messages past
its voicemail age limit, in the first pass; and in the second, once no more
recordings may go and the target is still not met, the oldest messages
marked heard, with the same reason. A message is deleted as a recording is:
its row and audit entry first, in one transaction, then its file.

Never deleted: a recording still being written, one under legal hold
(``firmware.store.legal_hold``: itself, its call or its customer), and with
``keep_until_backed_up`` one that no backup has copied (``backed_up_at``
unset). With retention turned off, nothing at all. The same for messages (held
through their call; never one nobody heard, for space).

``carry_out`` turns each planned recording's index row into a tombstone
(state ``deleted``, with when and why; its path, hash and times stay),
appends the tombstone to the archive's hash chain (``firmware.store.chain``)
and writes the deletion to the audit log as the box's own act
(``BOX_ACTOR``), in one transaction; then it removes the files. Each recording's hold is
checked again in that transaction, so a hold placed after the plan was made
still saves it. The tombstone comes first, so a kill between the two leaves
a tombstone whose file is still there, which recovery finishes deleting;
never a recording that looks lost. Only when the database itself cannot
be written for lack of space (it lives on the same disk) do the files go
first, to make the room the tombstones need. A file that is already gone
is recorded as deleted; one that cannot be removed is logged, and the next
round (``remove_leftovers``) or recovery at the next start removes it.
Nothing raises into the caller for a file or database problem.

Standard library only, so that the engine and recovery can both use it.
"""

from __future__ import annotations

import logging
import math
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from audio_format import SAMPLE_RATE
from firmware.store.audit import BOX_ACTOR, AuditLog
from firmware.store.chain import append_tombstone
from firmware.store.db import Store
from firmware.store.files import fsync_directory, inside_folder
from firmware.store.legal_hold import held_sql
from firmware.store.voicemail_retention import MessageDeletion, aged, leftovers, oldest_heard
from firmware.store.voicemail_retention import mark_deleted as mark_message_deleted
from firmware.store.wavformat import ENCODINGS, bytes_per_sample, wav_header

log = logging.getLogger(__name__)

GB = 2**30  # what min_free_gb counts in, as df -h does
DAY_S = 86400
BLOCK = 4096  # what a file takes on the disk is rounded up to this
SIDECAR_BYTES = BLOCK  # a sidecar is a few hundred bytes: one block
EMERGENCY_FLOOR_BYTES = 64 * 2**20  # at least this much is kept free for the lines
EMERGENCY_HORIZON_S = 300.0  # or what the lines record in this long, if more
BATCH = 20  # deletions per transaction (each one a hold check, an unlink, a row)
EMERGENCY_REASON = "emergency: disk nearly full"
FINISHED = ("complete", "repaired")


def bytes_per_second(encoding: str) -> int:
    """What a line recording in ``encoding`` writes each second (A-law: 8 kB/s)."""
    return bytes_per_sample(encoding) * SAMPLE_RATE


@dataclass(frozen=True)
class DiskSpace:
    """The size and free space of a file system, in bytes (free: what the box may use)."""

    total: int
    free: int

    @classmethod
    def of(cls, path: Path) -> DiskSpace:
        """The file system ``path`` is on (its nearest existing folder, if it is not there
        yet); one ``statvfs``, cheap enough to ask every few seconds."""
        probe = Path(path)
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        stats = os.statvfs(probe)
        return cls(stats.f_blocks * stats.f_frsize, stats.f_bavail * stats.f_frsize)

    @property
    def used(self) -> int:
        return max(0, self.total - self.free)


@dataclass(frozen=True)
class RetentionPolicy:
    """The retention settings as retention needs them (``from_settings`` reads them from
    the device configuration)."""

    enabled: bool = True
    min_free_percent: float = 10.0
    min_free_gb: float = 0.0
    keep_until_backed_up: bool = False
    keep_days: tuple[tuple[int, int], ...] = ()  # (line, days) of the lines with an age limit
    bytes_per_second: int = 0  # what the recording lines write together, at most
    # (line, days, heard only) of the lines whose voicemail messages have an age limit
    message_keep_days: tuple[tuple[int, int, bool], ...] = ()

    @classmethod
    def from_settings(cls, retention, lines: Iterable) -> RetentionPolicy:
        """From the configuration's ``device.retention`` and its ``lines`` (the schema's
        objects, read by attribute: this module imports no configuration)."""
        lines = list(lines)
        recording = [line for line in lines if line.enabled and line.recording.mode != "off"]
        return cls(
            enabled=retention.enabled,
            min_free_percent=retention.min_free_percent,
            min_free_gb=retention.min_free_gb,
            keep_until_backed_up=retention.keep_until_backed_up,
            keep_days=tuple(
                sorted(
                    (line.number, line.recording.keep_days)
                    for line in lines
                    if line.recording.keep_days > 0
                )
            ),
            bytes_per_second=sum(bytes_per_second(line.recording.encoding) for line in recording),
            message_keep_days=tuple(
                sorted(
                    (line.number, line.voicemail.keep_days, line.voicemail.keep_unheard)
                    for line in lines
                    if line.voicemail.keep_days > 0
                )
            ),
        )

    def target_free(self, disk: DiskSpace) -> int:
        """The free space retention keeps, in bytes."""
        return max(
            math.ceil(disk.total * self.min_free_percent / 100), math.ceil(self.min_free_gb * GB)
        )

    def emergency_floor(self, disk: DiskSpace) -> int:
        """Free space below which retention acts at once: what the lines need for the
        next few minutes, at least 64 MB; on a disk so small that the target is less
        than twice that, half the target."""
        need = max(EMERGENCY_FLOOR_BYTES, math.ceil(self.bytes_per_second * EMERGENCY_HORIZON_S))
        return min(need, self.target_free(disk) // 2)

    def space_reason(self, disk: DiskSpace) -> str:
        """Why the oldest recordings go: the target that is not met, as the admin set it."""
        by_percent = math.ceil(disk.total * self.min_free_percent / 100)
        if by_percent >= math.ceil(self.min_free_gb * GB):
            return f"disk below {self.min_free_percent:g} % free"
        return f"disk below {self.min_free_gb:g} GB free"


def age_reason(days: int, line: int) -> str:
    return f"older than {days} {'day' if days == 1 else 'days'} (line {line})"


@dataclass(frozen=True)
class Deletion:
    """One recording retention deletes, and why."""

    recording_id: int
    line: int
    path: str  # under the recordings folder
    started_at: float
    size: int  # bytes its file and sidecar take on the disk (what deleting frees)
    reason: str


@dataclass(frozen=True)
class Plan:
    deletions: tuple[Deletion, ...]
    free_before: int
    free_after: int  # as the plan expects it once carried out
    target_free: int
    # Finished recordings the space pass passed over, and why: when the target is not
    # met, the reasons nothing more may go.
    held_protected: int = 0
    held_not_backed_up: int = 0
    messages: tuple[MessageDeletion, ...] = ()  # voicemail messages, when asked for

    @property
    def short(self) -> bool:
        """The target stays unmet even after the plan."""
        return self.free_after < self.target_free


def _file_size(
    root: Path, relative: str, encoding: str, samples: int, stored_bytes: int | None = None
) -> int:
    """What a recording takes on the disk: its blocks, or if unreadable what the index says:
    a compressed recording's ``stored_bytes``, else its length in its encoding."""
    try:
        return _inside(root, relative).stat().st_blocks * 512 + SIDECAR_BYTES
    except (OSError, ValueError):
        if stored_bytes is not None:  # compressed after the call: samples tell nothing
            audio = stored_bytes
        elif encoding not in ENCODINGS:
            return SIDECAR_BYTES
        else:
            audio = len(wav_header(encoding, 0)) + samples * bytes_per_sample(encoding)
        return math.ceil(audio / BLOCK) * BLOCK + SIDECAR_BYTES


def _inside(root: Path, relative: str) -> Path:
    """The file ``relative`` names under ``root``; ValueError if it would leave the folder
    (a tampered row must never make retention delete anything else)."""
    return inside_folder(root, relative, "recording path", "the recordings folder")


def _messages_by_age(
    store: Store, voicemail: Path, policy: RetentionPolicy, now: float
) -> list[MessageDeletion]:
    found = []
    for line, days, heard_only in policy.message_keep_days:
        found += aged(store, voicemail, line=line, before=now - days * DAY_S,
                      heard_only=heard_only, reason=age_reason(days, line),
                      keep_until_backed_up=policy.keep_until_backed_up)
    return found


_CANDIDATES = (
    "SELECT r.id, r.line, r.path, r.encoding, r.samples, r.stored_bytes, r.started_at, "
    "r.backed_up_at, "
    f"{held_sql()} FROM recordings r LEFT JOIN calls c ON c.id = r.call_id "
    f"WHERE r.state IN {FINISHED!r} {{extra}} ORDER BY r.started_at, r.id"
)


def plan(
    store: Store,
    root: Path,
    policy: RetentionPolicy,
    disk: DiskSpace,
    now: float,
    *,
    emergency: bool = False,
    voicemail: Path | None = None,
) -> Plan:
    """What to delete now: by age, then the oldest while the disk is short of the target.

    Stops as soon as the expected free space meets the target. ``emergency`` only
    changes the reason given for the space deletions. With ``voicemail`` (the messages'
    folder), voicemail messages too (see the module).
    """
    target = policy.target_free(disk)
    if not policy.enabled:
        return Plan((), disk.free, disk.free, target)
    connection = store.connection()
    chosen: dict[int, Deletion] = {}
    free = disk.free
    for line, days in policy.keep_days:
        rows = connection.execute(
            _CANDIDATES.format(extra="AND r.line = ? AND r.started_at < ?"),
            (line, now - days * DAY_S),
        )
        for row_id, row_line, path, encoding, samples, stored, started, backed_up, held in rows:
            if held or (policy.keep_until_backed_up and backed_up is None):
                continue
            size = _file_size(root, path, encoding, samples, stored)
            chosen[row_id] = Deletion(row_id, row_line, path, started, size,
                                      age_reason(days, line))
            free += size
    messages = [] if voicemail is None else _messages_by_age(store, voicemail, policy, now)
    free += sum(item.size for item in messages)
    held_protected = held_not_backed_up = 0
    reason = EMERGENCY_REASON if emergency else policy.space_reason(disk)
    if free < target:
        cursor = connection.execute(_CANDIDATES.format(extra=""))
        try:
            for (row_id, row_line, path, encoding, samples, stored, started, backed_up,
                 held) in cursor:
                if row_id in chosen:
                    continue
                if held:
                    held_protected += 1
                    continue
                if policy.keep_until_backed_up and backed_up is None:
                    held_not_backed_up += 1
                    continue
                size = _file_size(root, path, encoding, samples, stored)
                chosen[row_id] = Deletion(row_id, row_line, path, started, size, reason)
                free += size
                if free >= target:
                    break
        finally:
            cursor.close()
    if free < target and voicemail is not None:  # recordings first; then heard messages
        heard, passed = oldest_heard(
            store, voicemail, wanted=target - free, reason=reason,
            keep_until_backed_up=policy.keep_until_backed_up,
            chosen=[item.message_id for item in messages],
        )
        messages += heard
        free += sum(item.size for item in heard)
        held_protected += passed.held
        held_not_backed_up += passed.not_backed_up
    return Plan(tuple(chosen.values()), disk.free, free, target, held_protected,
                held_not_backed_up, tuple(messages))


@dataclass
class Outcome:
    """What carrying out a plan did."""

    deleted: list[Deletion] = field(default_factory=list)
    already_gone: list[Deletion] = field(default_factory=list)  # among deleted
    failed: list[tuple[Deletion, str]] = field(default_factory=list)  # left for the next round
    kept: list[Deletion] = field(default_factory=list)  # held or changed since the plan
    leftover: list[Deletion] = field(default_factory=list)  # among deleted: its file stayed

    @property
    def freed(self) -> int:
        kept_on_disk = self.already_gone + self.leftover
        return sum(item.size for item in self.deleted if item not in kept_on_disk)

    def add(self, other: Outcome) -> None:
        self.deleted += other.deleted
        self.already_gone += other.already_gone
        self.failed += other.failed
        self.kept += other.kept
        self.leftover += other.leftover


def carry_out(
    store: Store, root: Path, deletions: Iterable[Deletion | MessageDeletion], now: float,
    *, keep_until_backed_up: bool = False, voicemail: Path | None = None,
) -> Outcome:
    """Mark each recording deleted (with its reason, in the audit log too), then remove its
    file and sidecar; the same for each voicemail message, in ``voicemail``. See the
    module's docstring. Never raises for a file or database problem: it is logged and in
    the outcome, and the next round tries again.
    """
    outcome = Outcome()
    deletions = list(deletions)
    pending = [item for item in deletions if isinstance(item, Deletion)]
    messages = [item for item in deletions if isinstance(item, MessageDeletion)]
    if messages and voicemail is None:
        raise ValueError("voicemail messages to delete, but no voicemail folder")
    for start in range(0, len(pending), BATCH):
        batch = pending[start : start + BATCH]
        done = Outcome()
        try:
            marked = _mark_deleted(
                store, root, batch, now, keep_until_backed_up=keep_until_backed_up, done=done
            )
        except sqlite3.Error as error:
            if getattr(error, "sqlite_errorname", "") != "SQLITE_FULL":
                log.warning("retention: cannot mark %d recordings deleted in the index: %s; "
                            "the next round tries again", len(batch), error)
                outcome.failed.extend((item, f"database: {error}") for item in batch)
                continue
            done = _room_first(store, root, batch, now, keep_until_backed_up)
        else:
            _remove_files(root, marked, done)
        outcome.add(done)
    if messages:  # after the recordings, whose files make the room on a full disk
        _carry_out_messages(store, voicemail, messages, now, outcome,
                            keep_until_backed_up=keep_until_backed_up)
    return outcome


def _carry_out_messages(
    store: Store, root: Path, messages: list[MessageDeletion], now: float, outcome: Outcome,
    *, keep_until_backed_up: bool,
) -> None:
    """Each batch of messages marked deleted in one transaction, then their files removed.
    A database too full to mark them leaves them for the next round: the recordings' files
    make the room."""
    audit = AuditLog(store)
    for start in range(0, len(messages), BATCH):
        batch = messages[start : start + BATCH]
        done = Outcome()
        marked = []
        try:
            with store.transaction() as connection:
                for item in batch:
                    try:
                        path = mark_message_deleted(connection, audit, root, item, now,
                                                    keep_until_backed_up=keep_until_backed_up)
                    except ValueError as error:
                        log.error("retention: voicemail message %d not deleted: %s",
                                  item.message_id, error)
                        done.failed.append((item, str(error)))
                        continue
                    if path is None:
                        done.kept.append(item)  # held, heard no more, or gone since the plan
                    else:
                        marked.append((item, path))
        except sqlite3.Error as error:
            log.warning("retention: cannot mark %d voicemail messages deleted: %s; the next "
                        "round tries again", len(batch), error)
            outcome.failed.extend((item, f"database: {error}") for item in batch)
            continue
        _remove_files(root, marked, done, sidecars=False)
        outcome.add(done)


def _mark_deleted(
    store: Store, root: Path, batch: list[Deletion], now: float, *,
    keep_until_backed_up: bool, done: Outcome,
) -> list[tuple[Deletion, Path]]:
    """The tombstones (in the index and the chain) and audit entries of a batch, in one
    transaction; what may go."""
    audit = AuditLog(store)
    marked = []
    with store.transaction() as connection:
        for item in batch:
            found = _deletable(connection, root, item, keep_until_backed_up, done)
            if found is None:
                continue
            path, sha256 = found
            # The signed tombstone (firmware.store.chain) before the row changes, so that a
            # recording not chained yet is chained first, as it was recorded.
            append_tombstone(connection, item.recording_id, sha256=sha256, deleted_at=now,
                             reason=item.reason, path=item.path)
            connection.execute(
                "UPDATE recordings SET state = 'deleted', deleted_at = ?, delete_reason = ? "
                "WHERE id = ?",
                (now, item.reason, item.recording_id),
            )
            detail = f"{item.reason}; {item.path}; SHA-256 {sha256 or '-'}"
            if not path.exists():
                detail += "; its file was already gone"
            audit.record("retention_deleted", username=BOX_ACTOR,
                         target=f"recording {item.recording_id}", detail=detail, at=now,
                         within=connection)
            marked.append((item, path))
    return marked


def _deletable(
    connection: sqlite3.Connection, root: Path, item: Deletion, keep_until_backed_up: bool,
    done: Outcome,
) -> tuple[Path, str | None] | None:
    """The file and hash of a planned recording that may still go, or None (kept, failed)."""
    row = connection.execute(
        f"SELECT r.state, r.sha256, r.backed_up_at, {held_sql()} FROM recordings r "
        "LEFT JOIN calls c ON c.id = r.call_id WHERE r.id = ?",
        (item.recording_id,),
    ).fetchone()
    if row is None or row[0] not in FINISHED or row[3] or (
        keep_until_backed_up and row[2] is None
    ):
        done.kept.append(item)  # held, or no longer finished, since the plan was made
        return None
    try:
        return _inside(root, item.path), row[1]
    except ValueError as error:
        log.error("retention: recording %d not deleted: %s", item.recording_id, error)
        done.failed.append((item, str(error)))
        return None


def _remove_files(
    root: Path, marked: list[tuple[Deletion, Path]] | list[tuple[MessageDeletion, Path]],
    done: Outcome, *, sidecars: bool = True,
) -> None:
    """Remove the files of recordings (or of messages, which have no sidecar) already
    marked deleted, and flush their folders."""
    folders = set()
    for item, path in marked:
        try:
            path.unlink()
        except FileNotFoundError:
            log.info("retention: %s was already gone; its row is marked deleted", path)
            done.already_gone.append(item)
        except OSError as error:
            # Marked deleted all the same: the next round, or recovery, removes the file.
            log.warning("retention: cannot remove %s: %s; the next round tries again", path,
                        error.strerror or error)
            done.leftover.append(item)
        try:
            if sidecars:
                path.with_suffix(".json").unlink(missing_ok=True)
        except OSError as error:  # the audio is gone; a stray sidecar is only untidy
            log.warning("retention: cannot delete the sidecar of %s: %s", path,
                        error.strerror or error)
        folders.add(path.parent)
        done.deleted.append(item)
    _flush_folders(folders)


def _room_first(
    store: Store, root: Path, batch: list[Deletion], now: float, keep_until_backed_up: bool,
) -> Outcome:
    """The database is full too: remove the files first, then mark their rows."""
    done = Outcome()
    connection = store.connection()
    gone = []
    for item in batch:
        found = _deletable(connection, root, item, keep_until_backed_up, done)
        if found is None:
            continue
        for path in (found[0], found[0].with_suffix(".json")):
            try:
                path.unlink(missing_ok=True)
            except OSError as error:
                log.warning("retention: cannot remove %s: %s", path, error.strerror or error)
        gone.append(item)
    _flush_folders({_inside(root, item.path).parent for item in gone})
    try:
        _mark_deleted(store, root, gone, now, keep_until_backed_up=False, done=Outcome())
    except sqlite3.Error as error:
        # The next round finds them gone and marks them ("its file was already gone").
        log.warning("retention: made room, but cannot mark %d recordings deleted yet: %s",
                    len(gone), error)
    done.deleted += gone
    return done


def _flush_folders(folders: set[Path]) -> None:
    """The removals survive a power cut."""
    for folder in folders:
        try:
            fsync_directory(folder)
        except OSError as error:
            log.warning("%s: cannot flush the folder: %s", folder, error.strerror or error)


LEFTOVER_DAYS = 2  # how far back a round looks for files its deletions left behind


def remove_leftovers(
    store: Store, root: Path, now: float, *, voicemail: Path | None = None
) -> list[Path]:
    """Remove the files that recent deletions could not (a file locked, a passing error),
    of messages in ``voicemail`` too; return those removed. Recovery does the same for
    every deleted recording and message."""
    removed = [] if voicemail is None else remove_message_leftovers(
        store, voicemail, since=now - LEFTOVER_DAYS * DAY_S)
    rows = store.connection().execute(
        "SELECT path FROM recordings WHERE state = 'deleted' AND deleted_at >= ?",
        (now - LEFTOVER_DAYS * DAY_S,),
    ).fetchall()
    for (relative,) in rows:
        try:
            path = _inside(root, relative)
        except ValueError:
            continue
        if not path.exists():
            continue
        try:
            path.unlink()
            path.with_suffix(".json").unlink(missing_ok=True)
        except OSError as error:
            log.warning("retention: cannot remove %s: %s", path, error.strerror or error)
            continue
        removed.append(path)
    _flush_folders({path.parent for path in removed})
    return removed


def remove_message_leftovers(store: Store, root: Path, since: float | None = None) -> list[Path]:
    """Remove the files of voicemail messages marked deleted (since ``since``, or ever)
    that are still on the disk; return those removed."""
    removed = []
    for path in leftovers(store, root, since):
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as error:
            log.warning("retention: cannot remove %s: %s", path, error.strerror or error)
            continue
        removed.append(path)
    _flush_folders({path.parent for path in removed})
    return removed


def run_round(
    store: Store, root: Path, policy: RetentionPolicy, disk: DiskSpace, now: float,
    *, emergency: bool = False, voicemail: Path | None = None,
) -> tuple[Plan, Outcome]:
    """Plan and carry out one round (after removing what earlier rounds left behind); the
    messages in ``voicemail`` too."""
    remove_leftovers(store, root, now, voicemail=voicemail)
    planned = plan(store, root, policy, disk, now, emergency=emergency, voicemail=voicemail)
    outcome = carry_out(store, root, [*planned.deletions, *planned.messages], now,
                        keep_until_backed_up=policy.keep_until_backed_up, voicemail=voicemail)
    return planned, outcome
