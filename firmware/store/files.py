"""Files that a power cut leaves whole: the old version or the new one, never half of one;
and the paths an index row names, kept inside their folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new file in ``directory`` survive a power cut."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def make_folders(folder: Path) -> None:
    """Make ``folder`` and any missing parents so that a power cut keeps them.

    Each folder made is recorded in its parent, and the parent fsynced; a
    folder that exists already costs one stat.
    """
    if folder.is_dir():
        return
    make_folders(folder.parent)
    try:
        folder.mkdir()
    except FileExistsError:
        if not folder.is_dir():
            raise
        return  # made meanwhile by another thread, which makes it durable
    fsync_directory(folder.parent)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: written beside it, flushed to disk, renamed over it."""
    descriptor, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def inside_folder(root: Path, relative: str, what: str, folder: str) -> Path:
    """The file ``relative`` names under ``root``; ValueError naming ``what`` (e.g.
    "recording path") and ``folder`` if it would leave it: a tampered row must never make
    the box read or delete anything else."""
    parts = Path(relative).parts
    if not relative or Path(relative).is_absolute() or ".." in parts or "\0" in relative:
        raise ValueError(f"{what} {relative!r} is not inside {folder}")
    path = root / relative
    if not path.parent.resolve().is_relative_to(root.resolve()):
        raise ValueError(f"{what} {relative!r} leads outside {folder}")
    return path
