"""Storage failures as SQLite reports them, for tests of what a full disk leaves."""

from __future__ import annotations

import sqlite3


def disk_full_error() -> sqlite3.OperationalError:
    """What a write meets on a full disk (SQLITE_FULL)."""
    error = sqlite3.OperationalError("database or disk is full")
    error.sqlite_errorcode = 13
    error.sqlite_errorname = "SQLITE_FULL"
    return error


def fails_on_a_full_disk(*_args, **_kwargs):
    """Stands in for a write: the disk is full."""
    raise disk_full_error()
