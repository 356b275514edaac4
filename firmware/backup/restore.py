"""``restore``: a box's backup brought back onto a data folder, ready for the engine.

In order, under the engine lock (never while an engine runs on the folder):

1. A folder that already has a database is refused, unless ``force``: then its
   database and configuration are moved aside into
   ``backups/before-restore-<YYYYMMDD-HHMMSS>/`` first (nothing is deleted).
2. Everything in the box's folder of the target is copied into the data folder
   (its paths mirror the data folder's), less the backup's own index files.
3. Every file listed in the backup's ``SHA256SUMS`` is checked against it; a
   recording newer than that list (its run was cut short) against its sidecar's
   SHA-256. A file that differs is reported, and kept.
4. The database: the manifest's snapshot becomes ``linerec.db`` (an older one if
   that one is damaged), checked by SQLite; runs it caught "running" are marked
   interrupted. Voicemail messages come back with it, heard or not as they were
   at the snapshot; a message's file newer than the list is checked against its
   row's SHA-256, and a message whose file the backup does not hold (it came
   after the run's list of files) is reported.
5. The box id: the box goes on backing up into the same folder of the target
   (``new_id``: it makes a new one on its first backup instead).
6. Recovery (``recovery.recover_data_folder``) indexes every recording newer than
   the snapshot from its sidecar, removes the files of messages deleted since
   they were backed up, and settles the rest as at any start.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from firmware.backup import ledger
from firmware.backup.run import INDEX, MANIFEST, MD5_SUMS, SNAPSHOT_PREFIX, SUMS
from firmware.backup.source import Box, Source
from firmware.backup.targets import write_box_id
from firmware.config import ConfigError, read_config_file
from firmware.datafolder import DataFolder, EngineLock
from firmware.errors import LinerecError
from firmware.store.db import Store
from firmware.store.files import fsync_directory, make_folders
from recovery import RecoveryReport, recover_data_folder
from recovery.database import shm_path, wal_path

_READ_SIZE = 1 << 20


class RestoreError(LinerecError):
    """A restore that cannot be made; the message names what is wrong."""


@dataclass
class RestoreReport:
    box_id: str
    hostname: str
    backed_up_at: float | None
    copied_files: int = 0
    copied_bytes: int = 0
    checked: int = 0  # equal to the backup's SHA256SUMS (or the sidecar's hash)
    differ: list[str] = field(default_factory=list)  # "path: why"
    database: str | None = None  # the snapshot restored
    database_problem: str | None = None
    recordings: int = 0
    calls: int = 0
    voicemails: int = 0  # messages listed on the Voicemail page (not deleted)
    # Messages the database lists whose file the backup does not hold (paths under voicemail/)
    voicemails_without_file: list[str] = field(default_factory=list)
    config_problem: str | None = None
    moved_aside: list[tuple[Path, Path]] = field(default_factory=list)
    recovery: RecoveryReport | None = None
    kept_id: bool = True

    @property
    def clean(self) -> bool:
        return not (self.differ or self.database_problem or self.config_problem)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_READ_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def _sums(text: str) -> dict[str, str]:
    sums = {}
    for line in text.splitlines():
        digest, _, path = line.partition("  ")
        if path:
            sums[path] = digest.lower()
    return sums


def _move_aside(folder: DataFolder, now: float) -> list[tuple[Path, Path]]:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    aside = folder.before_restore_backup(stamp)
    number = 2
    while aside.exists():
        aside = folder.before_restore_backup(f"{stamp}-{number}")
        number += 1
    moved = []
    for path in (folder.database, wal_path(folder.database), shm_path(folder.database),
                 folder.config):
        if path.exists():
            make_folders(aside)
            target = aside / path.name
            os.replace(path, target)
            moved.append((path, target))
    if moved:
        fsync_directory(folder.root)
    return moved


def _install_database(folder: DataFolder, snapshot: Path) -> None:
    """``snapshot`` as the folder's database: copied beside it, checked, renamed."""
    partial = folder.root / ".linerec.db.restore"
    shutil.copyfile(snapshot, partial)
    connection = sqlite3.connect(partial)
    try:
        problems = [row[0] for row in connection.execute("PRAGMA quick_check(5)")]
    finally:
        connection.close()
    if problems != ["ok"]:
        partial.unlink(missing_ok=True)
        raise sqlite3.DatabaseError("; ".join(problems))
    with partial.open("rb") as stream:
        os.fsync(stream.fileno())
    os.replace(partial, folder.database)
    fsync_directory(folder.root)


def restore(
    folder: DataFolder,
    source: Source,
    box: Box,
    *,
    force: bool = False,
    new_id: bool = False,
    clock=time.time,
) -> RestoreReport:
    """Bring ``box``'s backup in ``source`` onto ``folder`` (see the module)."""
    folder.check(create=True)
    lock = EngineLock(folder)
    lock.acquire()  # an engine on the folder: EngineBusyError, one line
    try:
        return _restore(folder, source, box, force=force, new_id=new_id, now=clock())
    finally:
        lock.release()


def _restore(
    folder: DataFolder, source: Source, box: Box, *, force: bool, new_id: bool, now: float
) -> RestoreReport:
    manifest = box.manifest
    report = RestoreReport(box.box_id, str(manifest.get("hostname", "")),
                           manifest.get("backed_up_at"), kept_id=not new_id)
    if folder.database.exists() and not force:
        raise RestoreError(
            f"{folder.root} already has a database ({folder.database}): a restore would "
            "replace it; restore into an empty folder, or add --force to move the database "
            "and configuration aside first"
        )
    if force:
        report.moved_aside = _move_aside(folder, now)
    remote = source.box(box.box_id)
    result = source.rclone.run(
        ["copy", remote, str(folder.root), "--exclude", f"/{MANIFEST}", "--exclude",
         f"/{INDEX}", "--exclude", f"/{SUMS}", "--exclude", f"/{MD5_SUMS}", "--exclude",
         "*.partial"],
        check=False,
    )
    if result.returncode != 0:
        raise source.rclone.error(result.stderr, f"copying {box.box_id}")
    sums = _sums(source.rclone.cat(f"{remote}/{SUMS}").decode("utf-8", "replace"))
    _check_files(folder, sums, report)
    _restore_database(folder, manifest, sums, report, now)
    if report.database is not None:
        _check_messages(folder, sums, report)
    try:
        config = read_config_file(folder.config)
    except ConfigError as error:
        report.config_problem = str(error)
    else:
        report.config_problem = None if config else "no configuration in the backup"
    if not new_id:
        write_box_id(folder, box.box_id)
    report.recovery = recover_data_folder(folder, now)
    if folder.database.exists():
        with Store(folder.database) as store:
            connection = store.connection()
            report.recordings = connection.execute(
                "SELECT count(*) FROM recordings WHERE state != 'deleted'"
            ).fetchone()[0]
            report.calls = connection.execute("SELECT count(*) FROM calls").fetchone()[0]
            report.voicemails = connection.execute(
                "SELECT count(*) FROM voicemails WHERE deleted_at IS NULL"
            ).fetchone()[0]
    return report


def _check_messages(folder: DataFolder, sums: dict[str, str], report: RestoreReport) -> None:
    """The voicemail messages the restored database lists: a file the backup's list does not
    name (its run was cut short) against its row's SHA-256; one not there, reported."""
    prefix = folder.voicemail.relative_to(folder.root).as_posix()
    with Store(folder.database) as store:
        rows = store.connection().execute(
            "SELECT path, sha256 FROM voicemails WHERE deleted_at IS NULL ORDER BY id"
        ).fetchall()
    for path, digest in rows:
        relative = f"{prefix}/{path}"
        local = folder.voicemail / path
        if relative in sums:
            continue  # checked with the rest
        if not local.is_file():
            report.voicemails_without_file.append(path)
            continue
        report.copied_files += 1
        report.copied_bytes += local.stat().st_size
        if _sha256(local) == digest:
            report.checked += 1
        else:
            report.differ.append(f"{relative}: its SHA-256 differs from its row's")


def _check_files(folder: DataFolder, sums: dict[str, str], report: RestoreReport) -> None:
    for path, digest in sorted(sums.items()):
        local = folder.root / path
        if not local.is_file():
            report.differ.append(f"{path}: listed in the backup but not copied (gone there?)")
            continue
        report.copied_files += 1
        report.copied_bytes += local.stat().st_size
        if _sha256(local) == digest:
            report.checked += 1
        else:
            report.differ.append(f"{path}: its SHA-256 differs from the backup's list")
    # Recordings a run copied after the list was written (it was cut short): their
    # sidecars say what the recorder wrote.
    if not folder.recordings.is_dir():
        return
    for local in sorted(folder.recordings.rglob("*")):
        relative = local.relative_to(folder.root).as_posix()
        if relative in sums or not local.is_file() or local.suffix == ".json":
            continue
        report.copied_files += 1
        report.copied_bytes += local.stat().st_size
        sidecar = local.with_suffix(".json")
        try:
            recorded = json.loads(sidecar.read_text(encoding="utf-8")).get("sha256")
        except (OSError, ValueError, AttributeError):
            recorded = None
        if recorded and local.suffix == ".wav":
            if _sha256(local) == recorded:
                report.checked += 1
            else:
                report.differ.append(f"{relative}: its SHA-256 differs from its sidecar's")


def _restore_database(
    folder: DataFolder, manifest: dict, sums: dict[str, str], report: RestoreReport, now: float
) -> None:
    named = manifest.get("database")
    candidates = sorted(
        (path for path in sums if path.startswith(SNAPSHOT_PREFIX)), reverse=True
    )
    if isinstance(named, str) and named in candidates:
        candidates.remove(named)
        candidates.insert(0, named)
    problems = []
    for relative in candidates:
        snapshot = folder.root / relative
        if not snapshot.is_file() or _sha256(snapshot) != sums[relative]:
            problems.append(f"{relative}: damaged in the backup")
            continue
        try:
            _install_database(folder, snapshot)
        except sqlite3.DatabaseError as error:
            problems.append(f"{relative}: {error}")
            continue
        with Store(folder.database) as store:
            ledger.settle_restored(store, now)
        report.database = relative
        if problems:
            report.database_problem = "; ".join(problems) + f"; restored {relative} instead"
        return
    report.database_problem = (
        ("; ".join(problems) + "; ") if problems else ""
    ) + "no good database snapshot in the backup: the index is rebuilt from the sidecars"


__all__ = ["RestoreError", "RestoreReport", "restore"]
