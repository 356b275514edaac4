"""Copies kept to go back to: the configuration as saved, and database snapshots.

Both live under ``<data>/backups/`` (``DataFolder.config_backups``,
``DataFolder.database_backups``), named by the local time they were taken,
``config-<YYYYMMDD-HHMMSS>.json`` and ``linerec-<YYYYMMDD-HHMMSS>.db`` (a
second copy within the same second gets ``-2``, ``-3``, ...). Each is
written beside its final name, flushed to the disk and renamed, so a power
cut leaves a whole copy or none; only the newest few are kept.

``backup_database`` takes an online snapshot with SQLite's backup API: the
engine may go on writing meanwhile. Recovery restores the newest snapshot
that passes SQLite's integrity check when the database itself is damaged.
Standard library only, like everything recovery uses.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from firmware.datafolder import DataFolder
from firmware.errors import LinerecError
from firmware.store.files import fsync_directory, make_folders, write_atomically

CONFIG_BACKUPS_KEPT = 20
DATABASE_BACKUPS_KEPT = 7
BUSY_TIMEOUT_S = 10.0
# A partial snapshot this old is what a crash left, not one being written right now.
STALE_PARTIAL_S = 3600.0
PARTIAL_SUFFIX = ".partial"


class BackupError(LinerecError):
    """A copy could not be taken or read; the message names the file and the problem."""


@dataclass(frozen=True)
class KeptCopies:
    """Stamped copies in one folder, ``<prefix>-<YYYYMMDD-HHMMSS>[-n]<suffix>``, newest kept."""

    folder: Path
    prefix: str
    suffix: str
    keep: int

    def _pattern(self) -> re.Pattern[str]:
        return re.compile(
            rf"^{re.escape(self.prefix)}-(\d{{8}}-\d{{6}})(?:-(\d+))?{re.escape(self.suffix)}$"
        )

    def all(self) -> list[Path]:
        """Every copy, newest first."""
        if not self.folder.is_dir():
            return []
        pattern = self._pattern()
        found = []
        for path in self.folder.iterdir():
            match = pattern.match(path.name)
            if match and path.is_file():
                found.append(((match.group(1), int(match.group(2) or 1)), path))
        return [path for _, path in sorted(found, reverse=True)]

    def latest(self) -> Path | None:
        copies = self.all()
        return copies[0] if copies else None

    def new_path(self, now: float) -> Path:
        """A name for a copy taken at ``now`` (Unix time) that sorts after every copy of
        the same second, even those already pruned (a freed name would sort first)."""
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
        pattern = self._pattern()
        numbers = [0]
        if self.folder.is_dir():
            for path in self.folder.iterdir():
                match = pattern.match(path.name.removesuffix(PARTIAL_SUFFIX))
                if match and match.group(1) == stamp:
                    numbers.append(int(match.group(2) or 1))
        number = max(numbers) + 1
        if number == 1:
            return self.folder / f"{self.prefix}-{stamp}{self.suffix}"
        return self.folder / f"{self.prefix}-{stamp}-{number}{self.suffix}"

    def add(self, data: bytes, now: float | None = None) -> Path:
        """Keep ``data`` as the newest copy; older ones past ``keep`` are removed."""
        make_folders(self.folder)
        path = self.new_path(time.time() if now is None else now)
        write_atomically(path, data)
        self.prune()
        return path

    def prune(self) -> list[Path]:
        """Remove the copies past the newest ``keep``; return them."""
        removed = self.all()[self.keep :]
        for path in removed:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return removed


def config_copies(folder: DataFolder) -> KeptCopies:
    return KeptCopies(folder.config_backups, "config", ".json", CONFIG_BACKUPS_KEPT)


def database_copies(folder: DataFolder, keep: int = DATABASE_BACKUPS_KEPT) -> KeptCopies:
    return KeptCopies(folder.database_backups, "linerec", ".db", keep)


def database_backups(folder: DataFolder) -> list[Path]:
    """Every database snapshot of ``folder``, newest first."""
    return database_copies(folder).all()


def latest_database_backup(folder: DataFolder) -> Path | None:
    """The newest database snapshot of ``folder``, or None if there is none."""
    return database_copies(folder).latest()


def backup_database(
    folder: DataFolder, now: float | None = None, keep: int = DATABASE_BACKUPS_KEPT
) -> Path:
    """Snapshot ``folder``'s database now into ``backups/db/linerec-<stamp>.db``; return it.

    Online: SQLite's backup API copies a consistent state while the engine and
    the web go on writing. The copy is a standalone file (rollback journal, not
    WAL), checked with ``PRAGMA quick_check`` before it takes its name; only
    the newest ``keep`` snapshots stay. Raises BackupError naming the file and
    the problem (no database, a damaged one, a full disk).
    """
    copies = database_copies(folder, keep)
    if not folder.database.is_file():
        raise BackupError(f"{folder.database}: no database to back up")
    try:
        make_folders(copies.folder)
    except OSError as error:
        raise BackupError(f"{copies.folder}: cannot make it: {error.strerror or error}") from error
    remove_stale_partials(copies.folder, time.time())
    final = copies.new_path(time.time() if now is None else now)
    partial = final.with_name(final.name + PARTIAL_SUFFIX)
    try:
        _snapshot(folder.database, partial)
        os.replace(partial, final)
        fsync_directory(final.parent)
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"{folder.database}: cannot back it up: {error}") from error
    except OSError as error:
        partial.unlink(missing_ok=True)
        where = error.filename or partial
        raise BackupError(f"{where}: cannot write the backup: {error.strerror or error}") from error
    copies.prune()
    return final


def _snapshot(database: Path, target: Path) -> None:
    # Opened read-write although only read: a WAL database needs its -shm, which a
    # read-only connection may not be able to make.
    source = sqlite3.connect(database, timeout=BUSY_TIMEOUT_S)
    try:
        copy = sqlite3.connect(target, isolation_level=None)
        try:
            source.backup(copy)
            # The pages carry the source's WAL mode; a snapshot is one self-contained file.
            copy.execute("PRAGMA journal_mode = DELETE")
            problems = [row[0] for row in copy.execute("PRAGMA quick_check(5)")]
            if problems != ["ok"]:
                raise sqlite3.DatabaseError(f"the copy fails its check: {'; '.join(problems)}")
        finally:
            copy.close()
    finally:
        source.close()
    with target.open("rb") as stream:
        os.fsync(stream.fileno())


def remove_stale_partials(backups: Path, now: float) -> list[Path]:
    """Snapshots a crash left half-written in ``backups``; return the ones removed."""
    removed = []
    if not backups.is_dir():
        return removed
    for path in backups.glob(f"*{PARTIAL_SUFFIX}*"):
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime > STALE_PARTIAL_S:
                path.unlink()
                removed.append(path)
    return removed


__all__ = [
    "CONFIG_BACKUPS_KEPT",
    "DATABASE_BACKUPS_KEPT",
    "BackupError",
    "KeptCopies",
    "backup_database",
    "config_copies",
    "database_backups",
    "database_copies",
    "latest_database_backup",
]
