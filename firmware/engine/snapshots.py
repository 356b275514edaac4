"""The database's daily snapshot, taken while the engine runs, for recovery to rebuild from.

When the database is damaged, recovery rebuilds it from the newest good
snapshot (users, groups, customers, the call log) and then from the
recordings' sidecars (``recovery.database``). ``DailySnapshots`` keeps one
recent: a thread named ``snapshots`` takes one a minute after the engine
starts if the newest is over a day old (or there is none), then every day.
The snapshot is online (SQLite's backup API), so the lines go on writing;
only the newest few stay (``firmware.store.backups``). A snapshot that fails (a full disk) is a
storage problem on the status and is tried again in an hour.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from firmware.datafolder import DataFolder
from firmware.store.backups import BackupError, backup_database, latest_database_backup

log = logging.getLogger(__name__)

EVERY_S = 24 * 3600.0
FIRST_AFTER_S = 60.0  # after the engine starts: the lines first
RETRY_AFTER_S = 3600.0


class DailySnapshots:
    """Snapshots of ``folder``'s database, one a day; ``start`` and ``stop`` with the engine."""

    def __init__(
        self,
        folder: DataFolder,
        on_problem: Callable[[BaseException], None] = lambda error: None,
        *,
        clock: Callable[[], float] = time.time,
        first_after_s: float = FIRST_AFTER_S,
    ) -> None:
        self.folder = folder
        self.on_problem = on_problem
        self.clock = clock
        self.first_after_s = first_after_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="snapshots", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.ident is not None:
            self._thread.join(timeout=30)

    def due_in(self) -> float:
        """Seconds until the next snapshot is due (0: now)."""
        latest = latest_database_backup(self.folder)
        if latest is None:
            return 0.0
        try:
            age = self.clock() - latest.stat().st_mtime
        except OSError:
            return 0.0
        return max(0.0, EVERY_S - age)

    def _run(self) -> None:
        wait = max(self.first_after_s, self.due_in())
        while not self._stop.wait(wait):
            try:
                path = backup_database(self.folder)
            except BackupError as error:
                log.error("the database snapshot failed: %s; trying again in an hour", error)
                self.on_problem(error)
                wait = RETRY_AFTER_S
                continue
            log.info("database snapshot taken: %s", path)
            wait = EVERY_S
