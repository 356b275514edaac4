"""What the web process says when the box's storage fails it: never a 500, always a reason.

The web reads the store for every page and writes it for some (a sign-in, a
note, a setting). When the disk is full, read-only, or the database damaged,
a write fails; ``storage_failure`` turns that into a 503 page that says what
is wrong and what to do, and ``StorageWatch`` keeps the state that the
banner on every page shows (space nearly gone, or a write refused a moment
ago), so people know before they lose a note.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from firmware.config import ConfigError
from firmware.datafolder import DataFolder
from firmware.store.db import StoreError

log = logging.getLogger(__name__)

# Errors a page may meet from the store or the data folder rather than from its own logic.
STORAGE_ERRORS = (sqlite3.DatabaseError, StoreError, ConfigError, OSError)
LOW_SPACE_BYTES = 64 * 2**20  # below this the banner warns
RECENT_FAILURE_S = 60.0  # a refused write is shown on the banner this long
CHECK_EVERY_S = 10.0


@dataclass(frozen=True)
class Failure:
    """What went wrong, as a person should read it: a message (English, translated when
    shown) with its values."""

    kind: str  # full, read_only, damaged, busy, config, folder
    message: str
    values: dict[str, object]


MESSAGES = {
    "full": (
        "The box's storage is full, so this could not be saved. Calls are still logged and "
        "recorded as far as space allows; an admin can make room (Settings, Storage)."
    ),
    "read_only": (
        "The box's storage cannot be written to right now, so this could not be saved. "
        "An installer should check the data disk."
    ),
    "damaged": (
        "The box's database is damaged. Restart the box: it repairs the database as it "
        "starts (linerec recover)."
    ),
    "busy": "The box's storage did not answer in time. Try again in a moment.",
    "config": (
        "The device configuration cannot be read: {problem}. An installer can put back the "
        "last good copy with linerec config restore."
    ),
    "folder": (
        "The box's data folder cannot be used: {problem}. An installer should check the "
        "data disk."
    ),
}
_BY_ERRNO = {
    errno.ENOSPC: "full",
    errno.EDQUOT: "full",
    errno.EROFS: "read_only",
    errno.EACCES: "read_only",
    errno.EPERM: "read_only",
    errno.EIO: "folder",
    errno.ENOENT: "folder",
    errno.ENOTDIR: "folder",
}
_BY_SQLITE_ERROR = {  # by the start of SQLite's error name
    "SQLITE_FULL": "full",
    "SQLITE_READONLY": "read_only",
    "SQLITE_CANTOPEN": "read_only",
    "SQLITE_IOERR": "read_only",
    "SQLITE_BUSY": "busy",
    "SQLITE_LOCKED": "busy",
}


def storage_failure(error: BaseException) -> Failure | None:
    """The failure ``error`` means, or None if it is not a storage failure (a fault of ours)."""
    problem = str(error)
    if isinstance(error, ConfigError):
        kind = "config"
    elif isinstance(error, OSError):
        kind = _BY_ERRNO.get(error.errno or 0)
        problem = error.strerror or problem
    else:
        name = getattr(error, "sqlite_errorname", "") or ""
        prefix = next((start for start in _BY_SQLITE_ERROR if name.startswith(start)), None)
        kind = _BY_SQLITE_ERROR[prefix] if prefix else "damaged"
    if kind is None:
        return None
    message = MESSAGES[kind]
    return Failure(kind, message, {"problem": problem} if "{problem}" in message else {})


class StorageWatch:
    """The storage's state for the banner: free space (looked at every few seconds) and
    the last write that failed."""

    def __init__(self, folder: DataFolder, clock: Callable[[], float] = time.monotonic) -> None:
        self.folder = folder
        self.clock = clock
        self._lock = threading.Lock()
        self._free: int | None = None
        self._checked_at = -CHECK_EVERY_S
        self._failure: tuple[float, Failure] | None = None

    def failed(self, failure: Failure) -> None:
        with self._lock:
            self._failure = (self.clock(), failure)

    def free_bytes(self) -> int | None:
        now = self.clock()
        with self._lock:
            if now - self._checked_at >= CHECK_EVERY_S:
                self._checked_at = now
                try:
                    stats = os.statvfs(self.folder.root)
                    self._free = stats.f_bavail * stats.f_frsize
                except OSError:
                    self._free = None
            return self._free

    def warning(self) -> tuple[str, dict[str, object]] | None:
        """The banner's message and values, or None when all is well."""
        with self._lock:
            failure = self._failure
        if failure is not None and self.clock() - failure[0] < RECENT_FAILURE_S:
            return failure[1].message, failure[1].values
        free = self.free_bytes()
        if free is not None and free < LOW_SPACE_BYTES:
            return (
                "The box's storage is nearly full: {free} MB free.",
                {"free": free // 2**20},
            )
        return None
