"""The engine's thread ``backup``: backups off the box on the schedule, and on request.

Every ``CHECK_INTERVAL_S`` (or at once when woken: new settings, a request) it
looks at each enabled target: a run is due when none has started since the
schedule's last slot (every day at ``at``, the box's local time; or every
``hours`` hours), or an hour after a run that failed or was cut short. A "back
up now" from the web or the command line (``backup_requests``) runs that target
at once, scheduled backups on or off. One run at a time, target after target.

The thread and the rclone it runs go at a low priority (nice 10, rclone in the
idle I/O class), so a backup never takes the CPU or the disk from a line. On
``stop`` the run in progress is cut at once (rclone is stopped); what it
verified stays marked and the next run goes on from there.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable

from firmware.backup import ledger
from firmware.config import BackupSchedule, Config
from firmware.country.profiles import local_offset_s
from firmware.datafolder import DataFolder
from firmware.errors import LinerecError
from firmware.store.db import Store

log = logging.getLogger(__name__)

CHECK_INTERVAL_S = 30.0
RETRY_AFTER_S = 3600.0
NICENESS = 10


def interval_s(schedule: BackupSchedule) -> float:
    """How often the schedule runs, in seconds."""
    return 86400.0 if schedule.every == "day" else schedule.hours * 3600.0


def last_slot(schedule: BackupSchedule, now: float, utc_offset_s: int) -> float:
    """The schedule's latest moment at or before ``now``; for ``every hours`` it is
    ``now`` less the interval (a run is due once that long has passed)."""
    if schedule.every == "hours":
        return now - interval_s(schedule)
    hours, minutes = (int(part) for part in schedule.at.split(":"))
    local = now + utc_offset_s
    today = local - local % 86400 + hours * 3600 + minutes * 60
    slot = today if today <= local else today - 86400
    return slot - utc_offset_s


def due(
    schedule: BackupSchedule, latest: ledger.Run | None, now: float, utc_offset_s: int
) -> bool:
    """Whether a scheduled run of a target whose latest run is ``latest`` is due now."""
    if latest is None:
        return True
    if latest.outcome == "running":
        return False
    if latest.outcome in ("failed", "interrupted"):
        finished = latest.finished_at or latest.started_at
        if now - finished >= min(RETRY_AFTER_S, interval_s(schedule)):
            return True
    return latest.started_at < last_slot(schedule, now, utc_offset_s)


class BackupService:
    """Backups for one engine: ``start``, ``stop``, ``wake`` (from any thread)."""

    def __init__(
        self,
        folder: DataFolder,
        store: Store,
        settings: Callable[[], Config | None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.folder = folder
        self.store = store
        self.settings = settings
        self.clock = clock
        self.check_interval_s = CHECK_INTERVAL_S
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.runs = 0  # runs made since start (for tests and the log)

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="backup", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        """Settings changed, or someone asked for a run: look now."""
        self._wake.set()

    def _run(self) -> None:
        # Linux gives each thread its own nice value; the rclone it starts inherits it.
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
        while not self._stopping.is_set():
            try:
                self.round()
            except Exception:  # a round must never end the thread
                log.exception("backup round failed")
            self._wake.wait(self.check_interval_s)
            self._wake.clear()

    def round(self) -> list[str]:
        """Run every target that is due or asked for; return their names."""
        config = self.settings()
        if config is None:
            return []
        backup = config.device.backup
        now = self.clock()
        asked = ledger.requests(self.store)
        offset = local_offset_s(config.device.country, config.device.time_zone)
        names = []
        for target in backup.targets:
            if self._stopping.is_set():
                break
            requested = target.name in asked
            if not requested and not (backup.enabled and target.enabled):
                continue
            if not requested:
                latest = ledger.recent_runs(self.store, target.name, 1)
                if not due(backup.schedule, latest[0] if latest else None, now, offset):
                    continue
            if requested:
                ledger.take_request(self.store, target.name)
            names.append(target.name)
            self._back_up(config, target.name)
        for name in set(asked) - {target.name for target in backup.targets}:
            ledger.take_request(self.store, name)  # a target removed meanwhile
        return names

    def _back_up(self, config: Config, name: str) -> None:
        # Imported at the first run: a box without backups never needs it (memory).
        from firmware.backup.run import back_up  # noqa: PLC0415

        try:
            report = back_up(
                self.folder, config, name, store=self.store, clock=self.clock,
                niceness=NICENESS, should_stop=self._stopping.is_set,
            )
        except LinerecError as error:
            log.error("backup to %s failed: %s", name, error)
            return
        finally:
            self.runs += 1
        if report.failed:
            log.error("backup to %s: %d files not verified; first: %s", name,
                      len(report.failed), report.failed[0])


__all__ = ["BackupService", "due", "interval_s", "last_slot"]
