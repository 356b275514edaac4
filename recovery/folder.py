"""The whole recovery of a data folder: what every start of the engine does first,
and what ``linerec recover`` does on its own.

A crash or a power cut can leave calls "in progress" that will never end,
recordings whose header never caught up with their audio, and files and
index rows that no longer match. ``recover_data_folder`` settles all of
them and says what it did in a ``RecoveryReport``. It is idempotent: on a
folder it just recovered it finds nothing to do (a recording beyond repair
is reported again each time, until a person moves it away).
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass

from firmware.datafolder import DataFolder
from firmware.errors import LinerecError
from firmware.store.db import Store
from firmware.store.recordings import recording_files
from recovery.reconcile import ReconcileReport, reconcile


class RecoveryError(LinerecError):
    """The data folder cannot be recovered as it is; the message says what is wrong."""


@dataclass
class RecoveryReport(ReconcileReport):
    """What recovering a data folder found and did: the recordings' findings
    (``repaired``, ``indexed``, ``missing``, ``damaged``) and the calls closed."""

    calls_closed: int = 0  # calls a crash left in progress, ended at the recovery

    @property
    def fixed(self) -> bool:
        """Something was wrong and has been put right."""
        return bool(self.calls_closed or self.repaired or self.indexed or self.missing)

    @property
    def clean(self) -> bool:
        """Nothing needed doing: the folder was whole."""
        return not (self.fixed or self.damaged)


def check_data_folder(folder: DataFolder) -> None:
    """Refuse a data folder that does not exist (recovery never makes one)."""
    if not folder.root.exists():
        raise RecoveryError(f"data folder {folder.root} does not exist")
    if not folder.root.is_dir():
        raise RecoveryError(f"data folder {folder.root} is not a folder")


def recover_data_folder(folder: DataFolder, now: float) -> RecoveryReport:
    """Make ``folder`` whole again after a crash; ``now`` (Unix time) ends the open calls.

    Calls left in progress are closed (answered or missed, as far as they got),
    unfinished recordings repaired, and the files and the index reconciled
    both ways (``recovery.reconcile``). The caller makes sure no engine runs
    on the folder meanwhile (the engine itself, or ``EngineLock``).
    """
    check_data_folder(folder)
    if not folder.database.exists() and not any(recording_files(folder.recordings)):
        # Nothing was ever recorded here: no database to make, nothing to index.
        return RecoveryReport()
    try:
        with Store(folder.database) as store:
            calls_closed = store.close_unfinished_calls(now)
            files = reconcile(store, folder.recordings)
    except sqlite3.DatabaseError as error:
        raise RecoveryError(
            f"{folder.database}: cannot use the database: {error}; "
            f"restore it from a backup (in {folder.backups})"
        ) from error
    return RecoveryReport(calls_closed=calls_closed, **asdict(files))
