"""Compressions after the call that a crash cut short, finished or undone.

The archive worker replaces a recording's ``X.wav`` by ``X.opus`` (or a
standard ``X.opus`` by the long-archive ``X.oga``) in steps
(``firmware.archive.transcode``): the new file under a temporary name, then
renamed, then the index pointed at it, then the sidecar, then the old file
removed. A kill between two steps leaves:

- a temporary ``.X.opus.partial``: removed;
- both files, the index on the old one: the new file was never recorded, so
  it is removed (the worker does it again);
- both files, the index on the new one, the sidecar maybe behind: the
  sidecar is written from the index, then the old file is removed;
- after a power cut, which can lose the index's last transactions but not a
  sidecar or a rename: the index on the old file while the sidecar names the
  new one, whole and with its SHA-256: the index is pointed at it (and the
  hash chain told), then the old file is removed.

An encryption at rest (``firmware.archive.encrypt``: ``X.wav`` to ``X.ewav``,
``X.opus`` to ``X.eopus``) takes the same steps and is finished or undone the
same way, by the files' hashes alone: recovery needs no key.

A file is only ever removed when the one kept is whole: the index's file
with the SHA-256 the index holds for it, or the sidecar's with the sidecar's.
Anything else is left as it is for the reconcile pass to report. Standard
library only, like the rest of recovery.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from firmware.store import chain
from firmware.store.db import RecordingRecord, Store
from firmware.store.files import fsync_directory
from firmware.store.recordings import (
    RECORDING_SUFFIXES,
    SidecarError,
    file_sha256,
    load_sidecar,
)
from firmware.store.stored_files import (
    StoredFacts,
    is_partial,
    record_stored,
    save_sidecar,
    stored_facts_of,
    stored_in_sidecar,
    with_stored,
)

log = logging.getLogger(__name__)


@dataclass
class TranscodesReport:
    """Paths relative to the recordings folder."""

    partials_removed: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)  # the file kept, its old one removed
    undone: list[str] = field(default_factory=list)  # new files never recorded, removed


def remove_partials(root: Path) -> list[str]:
    """Remove the temporary files of compressions a crash cut short; return them."""
    removed = []
    if not root.is_dir():
        return removed
    for path in sorted(root.glob("*/*/*/.*")):
        if is_partial(path) and path.is_file():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path.relative_to(root).as_posix())
    return removed


def settle_pairs(store: Store, root: Path, report: TranscodesReport | None = None
                 ) -> TranscodesReport:
    """Every recording a crash left with two files (see the module's docstring)."""
    report = report if report is not None else TranscodesReport()
    report.partials_removed += remove_partials(root)
    if not root.is_dir():
        return report
    for folder in sorted(path for path in root.glob("*/*/*") if path.is_dir()):
        groups: dict[str, list[Path]] = {}
        for path in folder.iterdir():
            if path.suffix in RECORDING_SUFFIXES and path.is_file():
                groups.setdefault(path.stem, []).append(path)
        for files in groups.values():
            if len(files) > 1:
                _settle(store, root, sorted(files, key=_suffix_order), report)
    return report


def _suffix_order(path: Path) -> int:
    return RECORDING_SUFFIXES.index(path.suffix)


def _relative(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _settle(store: Store, root: Path, files: list[Path], report: TranscodesReport) -> None:
    rows = [row for row in (store.recording_by_path(_relative(root, path)) for path in files)
            if row is not None]
    if len(rows) > 1:
        return  # two index rows for one recording's files: not ours to choose; reconcile says
    try:
        sidecar = load_sidecar(files[0])
    except SidecarError:
        sidecar = None  # reconcile sets it aside; the index alone decides here
    named = stored_in_sidecar(sidecar)
    by_name = {path.name: path for path in files}
    row = rows[0] if rows else None
    if row is not None and row.state == "deleted":
        return  # retention deleted it: reconcile removes its file; the rest is left to it
    keep = None
    if row is not None and _whole(root / row.path, row.file_sha256):
        keep = root / row.path
        _sidecar_follows(store, row, keep, named)
    elif named is not None and named.file in by_name and _whole(by_name[named.file],
                                                                   named.sha256):
        keep = by_name[named.file]
        if row is not None and not _index_follows(store, row, _relative(root, keep), named):
            return
    elif row is None and files[0].suffix == ".wav":
        keep = files[0]  # no index, no sidecar naming a stored file: the original stays
    if keep is None:
        return
    for path in files:
        if path == keep:
            continue
        path.unlink(missing_ok=True)
        newer = _suffix_order(path) > _suffix_order(keep)
        (report.undone if newer else report.finished).append(
            _relative(root, path if newer else keep)
        )
    fsync_directory(keep.parent)


def _whole(path: Path, sha256: str | None) -> bool:
    try:
        return bool(sha256) and path.is_file() and file_sha256(path) == sha256
    except OSError:
        return False


def _sidecar_follows(store: Store, row: RecordingRecord, kept: Path,
                     named: StoredFacts | None) -> None:
    """The sidecar names the index's stored file, or none when the index keeps the WAV
    (before the other file goes)."""
    facts = stored_facts_of(row)
    if named == facts:
        return
    try:
        document = load_sidecar(kept)
    except SidecarError:
        document = None
    if facts is not None:
        save_sidecar(kept, with_stored(document, store, row, facts))
    elif document is not None:
        save_sidecar(kept, {key: value for key, value in document.items() if key != "stored"})


def _index_follows(store: Store, row: RecordingRecord, relative: str, named: StoredFacts
                   ) -> bool:
    """The index lost the commit that pointed it at the stored file the sidecar names:
    pointed again (the hash chain told, as the commit would have); False if it cannot be."""
    try:
        with store.transaction() as connection:
            chain.append_stored(store, row.id, named.sha256, named.format, named.bytes,
                                path=relative, at=named.at, within=connection,
                                extra=named.chain_facts())
            record_stored(connection, row.id, relative, named)
    except (sqlite3.Error, chain.ChainError) as error:
        log.warning("recording %d: its index cannot follow its sidecar to %s: %s", row.id,
                    relative, error)
        return False
    return True


def sibling_row(store: Store, root: Path, path: Path) -> RecordingRecord | None:
    """The index row of the same recording under another suffix (not deleted), if any: the
    row a power cut left behind its stored file's rename when that file is gone."""
    for suffix in RECORDING_SUFFIXES:
        other = path.with_suffix(suffix)
        if other == path:
            continue
        row = store.recording_by_path(_relative(root, other))
        if row is not None and row.state != "deleted":
            return row
    return None


def deleted_sibling(store: Store, root: Path, path: Path) -> bool:
    """Whether ``path``, a file the index lacks, is another file of a recording retention
    deleted (the old file of a compression, left by a kill as retention deleted it)."""
    for suffix in RECORDING_SUFFIXES:
        other = path.with_suffix(suffix)
        if other != path:
            row = store.recording_by_path(_relative(root, other))
            if row is not None and row.state == "deleted":
                return True
    return False


def adopt(store: Store, root: Path, row: RecordingRecord, path: Path, named: StoredFacts
          ) -> RecordingRecord | None:
    """Point ``row`` at ``path`` when the sidecar names it and it is whole; the row
    pointed, or None."""
    if named.file != path.name or not _whole(path, named.sha256):
        return None
    if not _index_follows(store, row, _relative(root, path), named):
        return None
    return store.recording(row.id)
