"""Factory reset: the box back to a new one's state, with what it held kept aside.

``factory_reset`` puts the default configuration in place and moves the
database (users, customers, call log, audit log), the configuration it
replaces and the copies kept of both into
``<data>/backups/factory-reset-<YYYYMMDD-HHMMSS>/``: nothing is deleted, and
no later recovery restores an old database snapshot into the new box. The
recordings are kept and indexed into the new database from their sidecars
(their calls come back with them), or, with ``wipe_recordings``, deleted.
The caller holds the engine lock. A reset cut short by a kill is finished
by running it again.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from firmware.config import Config, ConfigStore, default_config
from firmware.datafolder import DataFolder
from firmware.store.chain import append_rebuilt
from firmware.store.db import Store
from firmware.store.files import fsync_directory, make_folders
from firmware.store.recordings import recording_files
from recovery.database import shm_path, wal_path
from recovery.reconcile import ReconcileReport, reconcile


@dataclass
class ResetReport:
    """What a factory reset did."""

    kept_in: Path  # the folder the old database and configuration went to
    moved: list[tuple[Path, Path, str]] = field(default_factory=list)  # from, to, what it holds
    config: Config | None = None  # the configuration now in place
    reindexed: ReconcileReport | None = None  # the recordings kept, indexed again
    recordings_deleted: int = 0
    bytes_deleted: int = 0


def factory_reset(folder: DataFolder, now: float, *, wipe_recordings: bool = False) -> ResetReport:
    """Reset ``folder`` to a new box's state; see the module's description."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    kept_in = folder.factory_reset_backup(stamp)
    number = 2
    while kept_in.exists():
        kept_in = folder.factory_reset_backup(f"{stamp}-{number}")
        number += 1
    report = ResetReport(kept_in)
    make_folders(kept_in)
    # The snapshots go first: a reset cut short must not leave an old database for
    # recovery to restore into the new box.
    report.moved += _move(folder.database_backups, kept_in / "db", "database snapshots")
    report.moved += _move(folder.config_backups, kept_in / "config", "configuration copies")
    _checkpoint(folder.database)
    report.moved += _move(folder.database, kept_in / folder.database.name,
                          "users, customers, call log, audit log")
    for journal in (wal_path(folder.database), shm_path(folder.database)):
        report.moved += _move(journal, kept_in / journal.name, "the database's journal")
    report.moved += _move(folder.config, kept_in / folder.config.name, "the configuration")
    store = ConfigStore(folder.root)
    report.config = default_config()
    store.save(report.config)
    if wipe_recordings:
        for path in recording_files(folder.recordings):
            report.recordings_deleted += 1
            with contextlib.suppress(OSError):
                report.bytes_deleted += path.stat().st_size
        if folder.recordings.exists():
            shutil.rmtree(folder.recordings)
    with Store(folder.database) as new_store:
        # A new chain: its first entry says why, and where the old one is kept.
        append_rebuilt(new_store, reason=f"factory reset; the old database and its chain are "
                       f"kept in {kept_in.relative_to(folder.root)}", snapshot=None,
                       snapshot_taken_at=None, at=now)
        if not wipe_recordings:
            report.reindexed = reconcile(
                new_store, folder.recordings, set_aside=folder.damaged_recordings
            )
    return report


def _move(source: Path, target: Path, what: str) -> list[tuple[Path, Path, str]]:
    if not source.exists():
        return []
    source.rename(target)  # both inside the data folder: one rename, nothing copied
    fsync_directory(target.parent)
    fsync_directory(source.parent)
    return [(source, target, what)]


def _checkpoint(database: Path) -> None:
    """Fold the write-ahead log into the database file, so the file moved holds it all."""
    if not database.is_file():
        return
    with contextlib.suppress(sqlite3.Error):
        connection = sqlite3.connect(database, timeout=10)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
