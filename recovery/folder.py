"""The whole recovery of a data folder: what every start of the engine does first,
and what ``linerec recover`` does on its own.

A crash or a power cut can leave a damaged database, calls "in progress"
that will never end, recordings whose header never caught up with their
audio, leftovers of a recording killed as it started, and files and index
rows that no longer match. ``recover_data_folder`` settles all of them and
says what it did in a ``RecoveryReport``: first the database
(``recovery.database``: checked, and rebuilt from the newest good snapshot
when damaged, which the hash chain is told: ``mark_rebuild``), then the
files and the index (``recovery.reconcile``), then the files of voicemail
messages marked deleted (a deletion cut short, or a restore that brought
them back), then the calls left open. It
is idempotent, and a kill at any moment leaves a folder the next run
recovers: on a folder it just recovered it finds nothing to do (a recording
beyond repair, or an index whose files are nearly all gone, is reported
again each time, until a person acts).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from firmware.datafolder import DataFolder, DataFolderError
from firmware.store.chain import append_rebuilt
from firmware.store.db import Store, StoreError
from firmware.store.recordings import recording_files
from firmware.store.retention import remove_message_leftovers
from recovery.database import (
    DatabaseRebuild,
    check_database,
    count_rows,
    rebuild_database,
    remove_rebuild_leftovers,
    restore_vanished_database,
    set_aside_stray_journal,
)
from recovery.errors import RecoveryError
from recovery.reconcile import ReconcileReport, reconcile


@dataclass
class RecoveryReport(ReconcileReport):
    """What recovering a data folder found and did: the recordings' findings
    (``repaired``, ``indexed``, ``missing``, ``damaged``) and the calls closed."""

    calls_closed: int = 0  # calls a crash left in progress, ended at their last recording's end
    database: DatabaseRebuild | None = None  # the database was damaged (or gone) and rebuilt
    set_aside: list[str] = field(default_factory=list)  # a -wal or -shm without its database
    # Files of voicemail messages marked deleted, removed (paths under voicemail/).
    messages_removed: list[str] = field(default_factory=list)

    @property
    def fixed(self) -> bool:
        """Something was wrong and has been put right."""
        return super().fixed or bool(
            self.calls_closed or self.database or self.set_aside or self.messages_removed
        )


def check_data_folder(folder: DataFolder) -> None:
    """Refuse a data folder that does not exist or cannot be written (recovery never
    makes one)."""
    try:
        folder.check()
    except DataFolderError as error:
        raise RecoveryError(str(error)) from None


def recover_data_folder(
    folder: DataFolder, now: float, *, accept_missing: bool = False
) -> RecoveryReport:
    """Make ``folder`` whole again after a crash; ``now`` (Unix time) ends the open calls
    that have no recording to end them.

    A damaged database is set aside and rebuilt (from the newest good snapshot,
    or empty), then every recording indexed again from its sidecar. Unfinished
    recordings are repaired, crash leftovers cleaned, the files and the index
    reconciled both ways (``recovery.reconcile``; ``accept_missing`` marks rows
    missing even when so many are gone that a disk must be missing), and calls
    left in progress closed, answered or missed as far as they got. The caller
    makes sure no engine runs on the folder meanwhile (the engine itself, or
    ``EngineLock``).
    """
    check_data_folder(folder)
    report = RecoveryReport()
    try:
        remove_rebuild_leftovers(folder)
        problem = check_database(folder.database)
        if problem is not None:
            report.database = rebuild_database(folder, problem, now)
        else:
            report.set_aside = [str(path) for path in set_aside_stray_journal(folder, now)]
            report.database = restore_vanished_database(folder)
    except sqlite3.Error as error:
        raise RecoveryError(f"{folder.database}: cannot rebuild the database: {error}") from error
    if not folder.database.exists() and not any(recording_files(folder.recordings)):
        # Nothing was ever recorded here: no database to make, nothing to index.
        return report
    try:
        with Store(folder.database) as store:
            if report.database is not None:
                mark_rebuild(store, report.database, now)
            reconcile(
                store,
                folder.recordings,
                set_aside=folder.damaged_recordings,
                accept_missing=accept_missing,
                report=report,
            )
            report.messages_removed = [
                path.relative_to(folder.voicemail).as_posix()
                for path in remove_message_leftovers(store, folder.voicemail)
            ]
            report.calls_closed = close_unfinished_calls(store, now)
    except (sqlite3.DatabaseError, StoreError) as error:
        raise RecoveryError(
            f"{folder.database}: cannot use the database: {error}; "
            f"restore it from a backup (in {folder.backups})"
        ) from error
    if report.database is not None:
        report.database.after = count_rows(folder.database)
    return report


def mark_rebuild(store: Store, rebuild: DatabaseRebuild, now: float) -> None:
    """Say in the hash chain that the database was rebuilt: the chain goes on from what
    the snapshot held, and the recordings re-indexed from their sidecars are chained
    again at the engine's next start, after this entry (``linerec verify`` names them)."""
    append_rebuilt(
        store,
        reason=rebuild.problem,
        snapshot=rebuild.backup.name if rebuild.backup is not None else None,
        snapshot_taken_at=rebuild.backup_taken_at,
        at=now,
    )


def close_unfinished_calls(store: Store, now: float) -> int:
    """Close the calls a crash left in progress: one with recordings ends when its last
    recording ended (the crash, as near as the disk knows it), any other at ``now``."""
    last_end: dict[int, float] = {}
    for row in store.recordings():
        if row.call_id is not None and row.ended_at is not None:
            last_end[row.call_id] = max(row.ended_at, last_end.get(row.call_id, row.ended_at))
    closed = 0
    for call_id, ended_at in last_end.items():
        call = store.call(call_id)
        if call is None or call.outcome != "in_progress":
            continue
        if call.answered_at is not None:
            outcome = "answered"
        else:
            outcome = "missed" if call.direction == "in" else "unanswered"
        store.end_call(call_id, outcome, ended_at=max(ended_at, call.started_at))
        closed += 1
    return closed + store.close_unfinished_calls(now)
