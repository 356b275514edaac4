"""The database at boot: checked with SQLite's own integrity check, rebuilt when damaged.

A power cut on a failing SD card, or a disk error, can leave ``linerec.db``
with damaged pages; opening it may still work while reading a call fails.
``check_database`` runs ``PRAGMA quick_check``; a database that fails it, or
that cannot be opened as a database at all (random bytes, an empty file, a
folder in its place), is copied aside into ``<data>/damaged/`` (kept, never
deleted) and rebuilt in place: from the newest database snapshot that passes
its own check (``firmware.store.backups``), or empty. The recordings and
their calls then come back from the sidecars (``recovery.reconcile``);
``DatabaseRebuild`` says what the snapshot did not hold.

The rebuild goes through SQLite's backup API into the same file, inside one
transaction: a kill part-way leaves the damaged database, which the next
start rebuilds again, and every connection another process (the web) holds
sees the rebuilt database, never a file renamed under it. Only a file that
is not a database at all is replaced by a new one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from firmware.datafolder import DataFolder
from firmware.store.backups import database_backups
from firmware.store.db import migrate
from firmware.store.files import fsync_directory, make_folders
from recovery.errors import RecoveryError

BUSY_TIMEOUT_S = 10.0
PROBLEMS_SHOWN = 3  # quick_check lines quoted in a report
# What the report counts, and how it names them.
COUNTED = {
    "calls": "calls",
    "recordings": "recordings",
    "users": "users",
    "customers": "customers",
    "contacts": "contact records",
    "recording_tags": "recording tags",
    "audit_log": "audit log entries",
}
REBUILDING_SUFFIX = ".rebuilding"


@dataclass
class DatabaseRebuild:
    """A damaged (or vanished) database, and how it was rebuilt."""

    problem: str  # what was wrong, e.g. "database disk image is malformed"
    kept: list[Path] = field(default_factory=list)  # the damaged files, set aside
    backup: Path | None = None  # the snapshot restored, if any
    backup_taken_at: float | None = None
    backups_skipped: list[str] = field(default_factory=list)  # snapshots that failed their check
    before: dict[str, int | None] = field(default_factory=dict)  # rows the damaged one held
    after: dict[str, int | None] = field(default_factory=dict)  # rows once rebuilt and re-indexed

    def lost(self) -> list[str]:
        """What the rebuilt database lacks that the damaged one held, table by table."""
        lost = []
        for table, name in COUNTED.items():
            before, after = self.before.get(table), self.after.get(table)
            if before is not None and after is not None and before > after:
                lost.append(f"{before - after} {name}")
        return lost

    def unknown(self) -> list[str]:
        """The tables whose rows in the damaged database could not be counted."""
        return [name for table, name in COUNTED.items() if self.before.get(table) is None]


def check_database(path: Path) -> str | None:
    """What is wrong with the database at ``path``, or None if it is whole (or not there).

    Damage is reported as a problem; a database that cannot be used for other
    reasons (no permission, a read-only disk, a newer schema) raises RecoveryError,
    since rebuilding would not help and would lose what it holds.
    """
    if not path.exists():
        return None
    if path.is_dir():
        return "a folder, not a database file"
    wal = wal_path(path)
    if path.stat().st_size == 0 and (not wal.exists() or wal.stat().st_size == 0):
        return "an empty file (0 bytes), not a database"
    try:
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
        try:
            found = [row[0] for row in connection.execute(f"PRAGMA quick_check({PROBLEMS_SHOWN})")]
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        if is_damage(error):
            return str(error)
        raise RecoveryError(f"{path}: cannot use the database: {error}") from error
    if found != ["ok"]:
        # One line: SQLite's findings come with newlines and a heading of their own.
        findings = [
            " ".join(line.split())
            for text in found
            for line in text.splitlines()
            if line.strip() and not line.startswith("***")
        ]
        return "fails SQLite's integrity check: " + "; ".join(findings[:PROBLEMS_SHOWN])
    return None


def is_damage(error: sqlite3.DatabaseError) -> bool:
    """A damaged file, as opposed to one this process may not use (permissions, locks)."""
    name = getattr(error, "sqlite_errorname", "") or ""
    if name:
        return name == "SQLITE_NOTADB" or name.startswith("SQLITE_CORRUPT")
    return type(error) is sqlite3.DatabaseError


def wal_path(database: Path) -> Path:
    return database.with_name(database.name + "-wal")


def shm_path(database: Path) -> Path:
    return database.with_name(database.name + "-shm")


def rebuild_database(folder: DataFolder, problem: str, now: float) -> DatabaseRebuild:
    """Set the damaged database of ``folder`` aside and rebuild it from the newest good
    snapshot, or empty; the caller re-indexes the recordings into it."""
    database = folder.database
    rebuild = DatabaseRebuild(problem)
    rebuild.kept = _keep_aside(folder, now)
    if database.is_file():
        rebuild.before = count_rows(database)
    else:
        rebuild.before = dict.fromkeys(COUNTED)
    source = _restore_source(folder, rebuild)
    try:
        if database.is_dir() or not _rebuild_in_place(database, source):
            _replace_file(folder, source)
    finally:
        source.close()
    still = check_database(database)
    if still is not None:
        raise RecoveryError(f"{database}: the rebuilt database fails its check too: {still}")
    return rebuild


def restore_vanished_database(folder: DataFolder) -> DatabaseRebuild | None:
    """A database that is gone while snapshots of it are kept comes back from the newest
    good one (None when there is none: a new box, or one never backed up)."""
    if folder.database.exists() or not database_backups(folder):
        return None
    rebuild = DatabaseRebuild("missing")
    rebuild.before = dict.fromkeys(COUNTED)
    source = _restore_source(folder, rebuild)
    try:
        _replace_file(folder, source)
    finally:
        source.close()
    return rebuild


def set_aside_stray_journal(folder: DataFolder, now: float) -> list[Path]:
    """A -wal or -shm whose database is gone must not be read into a new database
    of the same name: set it aside. Returns where it went."""
    if folder.database.exists():
        return []
    return _keep_aside(folder, now)


def _keep_aside(folder: DataFolder, now: float) -> list[Path]:
    """Copy the database and its -wal into ``damaged/`` (a folder in its place, or a
    journal without its database, is moved); return the copies."""
    database = folder.database
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    target = folder.damaged / f"linerec-{stamp}.db"
    number = 2
    while target.exists():
        target = folder.damaged / f"linerec-{stamp}-{number}.db"
        number += 1
    kept = []
    if database.is_dir():
        make_folders(folder.damaged)
        database.rename(target)
        fsync_directory(folder.damaged)
        fsync_directory(database.parent)
        return [target]
    for source, copy in ((database, target), (wal_path(database), wal_path(target))):
        if not source.is_file():
            continue
        make_folders(folder.damaged)
        if not database.exists():
            shutil.move(source, copy)  # a journal without its database: moved, not copied
        else:
            _copy_whole(source, copy)
        kept.append(copy)
    if not database.exists():
        shm_path(database).unlink(missing_ok=True)  # an index of that journal, nothing more
    return kept


def _copy_whole(source: Path, copy: Path) -> None:
    """``source`` to ``copy``, flushed to the disk before it takes its name."""
    partial = copy.with_name(copy.name + ".partial")
    shutil.copyfile(source, partial)
    with partial.open("rb") as stream:
        os.fsync(stream.fileno())
    os.replace(partial, copy)
    fsync_directory(copy.parent)


def _restore_source(folder: DataFolder, rebuild: DatabaseRebuild) -> sqlite3.Connection:
    """The newest snapshot that passes its check, opened; or an empty database with
    the current schema when there is none."""
    for backup in database_backups(folder):
        try:
            connection = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
            found = [row[0] for row in connection.execute("PRAGMA quick_check(1)")]
        except sqlite3.DatabaseError as error:
            rebuild.backups_skipped.append(f"{backup}: {error}")
            continue
        if found != ["ok"]:
            connection.close()
            rebuild.backups_skipped.append(f"{backup}: {found[0]}")
            continue
        rebuild.backup = backup
        rebuild.backup_taken_at = backup.stat().st_mtime
        return connection
    empty = sqlite3.connect(":memory:", isolation_level=None)
    migrate(empty)
    return empty


def _rebuild_in_place(database: Path, source: sqlite3.Connection) -> bool:
    """Overwrite the damaged database with ``source`` in one transaction; False if the
    file is too damaged for SQLite to write into it."""
    try:
        target = sqlite3.connect(database, timeout=BUSY_TIMEOUT_S)
        try:
            source.backup(target)
        finally:
            target.close()
    except sqlite3.DatabaseError as error:
        if is_damage(error) or getattr(error, "sqlite_errorname", "") == "SQLITE_READONLY":
            return False  # not a database at all, or a page size WAL cannot change
        raise RecoveryError(f"{database}: cannot rebuild the database: {error}") from error
    return True


def _replace_file(folder: DataFolder, source: sqlite3.Connection) -> None:
    """A new database file with ``source``'s contents in place of the damaged one (kept
    aside already), written beside it and renamed over it."""
    database = folder.database
    fresh = database.with_name(database.name + REBUILDING_SUFFIX)
    fresh.unlink(missing_ok=True)
    try:
        target = sqlite3.connect(fresh)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
        with fresh.open("rb") as stream:
            os.fsync(stream.fileno())
    except sqlite3.Error as error:
        fresh.unlink(missing_ok=True)
        raise RecoveryError(f"{fresh}: cannot write the rebuilt database: {error}") from error
    for journal in (wal_path(database), shm_path(database)):
        journal.unlink(missing_ok=True)  # the damaged file's, copied aside already
    if database.is_dir():
        raise RecoveryError(f"{database}: a folder is in the database's place; move it away")
    os.replace(fresh, database)
    fsync_directory(database.parent)


def remove_rebuild_leftovers(folder: DataFolder) -> list[Path]:
    """What a kill during a rebuild left: a half-written new database, half-made copies."""
    leftovers = [folder.database.with_name(folder.database.name + REBUILDING_SUFFIX)]
    if folder.damaged.is_dir():
        leftovers += folder.damaged.glob("*.partial")
    removed = []
    for path in leftovers:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed


def count_rows(database: Path) -> dict[str, int | None]:
    """Rows per table, as far as they can be read (None where they cannot)."""
    counts: dict[str, int | None] = dict.fromkeys(COUNTED)
    try:
        connection = sqlite3.connect(database, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error:
        return counts
    try:
        for table in COUNTED:
            with contextlib.suppress(sqlite3.Error):
                counts[table] = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        connection.close()
    return counts
